using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoCoca.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class WatchlistBackfillClaim : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "backfill_claimed_at",
                table: "watchlists",
                type: "timestamp with time zone",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "backfill_claimed_at",
                table: "watchlists");
        }
    }
}
