using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoCoca.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class RetentionOriginalDeletedAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "original_deleted_at",
                table: "videos",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_clips_video_id",
                table: "clips",
                column: "video_id",
                filter: "frames_deleted_at IS NULL AND frames_path IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_clips_video_id",
                table: "clips");

            migrationBuilder.DropColumn(
                name: "original_deleted_at",
                table: "videos");
        }
    }
}
