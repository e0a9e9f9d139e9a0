using System;
using Microsoft.EntityFrameworkCore.Migrations;
using VideoCoca.Persistence.Entities;

#nullable disable

namespace VideoCoca.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TenantsAndApiKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<Guid>(
                name: "tenant_id",
                table: "webhooks",
                type: "uuid",
                nullable: false,
                defaultValue: Tenant.DefaultId);

            migrationBuilder.AddColumn<Guid>(
                name: "tenant_id",
                table: "watchlists",
                type: "uuid",
                nullable: false,
                defaultValue: Tenant.DefaultId);

            migrationBuilder.AddColumn<Guid>(
                name: "tenant_id",
                table: "videos",
                type: "uuid",
                nullable: false,
                defaultValue: Tenant.DefaultId);

            migrationBuilder.CreateTable(
                name: "tenants",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_tenants", x => x.id);
                });

            // Every row that existed before tenants belongs to the default tenant (the local stack's own key's tenant).
            migrationBuilder.Sql($"INSERT INTO tenants (id, name, created_at) VALUES ('{Tenant.DefaultId}', '{Tenant.DefaultName}', now())");

            migrationBuilder.CreateTable(
                name: "api_keys",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    tenant_id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    role = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    prefix = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    secret_hash = table.Column<byte[]>(type: "bytea", maxLength: 32, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    revoked_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_used_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    requests_per_minute = table.Column<int>(type: "integer", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_api_keys", x => x.id);
                    table.ForeignKey(
                        name: "fk_api_keys_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_webhooks_tenant_id",
                table: "webhooks",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_watchlists_tenant_id",
                table: "watchlists",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_videos_tenant_id_created_at",
                table: "videos",
                columns: new[] { "tenant_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_prefix",
                table: "api_keys",
                column: "prefix",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_api_keys_tenant_id",
                table: "api_keys",
                column: "tenant_id");

            migrationBuilder.CreateIndex(
                name: "ix_tenants_name",
                table: "tenants",
                column: "name",
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "fk_videos_tenants_tenant_id",
                table: "videos",
                column: "tenant_id",
                principalTable: "tenants",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_watchlists_tenants_tenant_id",
                table: "watchlists",
                column: "tenant_id",
                principalTable: "tenants",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "fk_webhooks_tenants_tenant_id",
                table: "webhooks",
                column: "tenant_id",
                principalTable: "tenants",
                principalColumn: "id",
                onDelete: ReferentialAction.Restrict);

            // The default filled the existing rows; a new row must name its tenant.
            migrationBuilder.Sql("ALTER TABLE videos ALTER COLUMN tenant_id DROP DEFAULT");
            migrationBuilder.Sql("ALTER TABLE watchlists ALTER COLUMN tenant_id DROP DEFAULT");
            migrationBuilder.Sql("ALTER TABLE webhooks ALTER COLUMN tenant_id DROP DEFAULT");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_videos_tenants_tenant_id",
                table: "videos");

            migrationBuilder.DropForeignKey(
                name: "fk_watchlists_tenants_tenant_id",
                table: "watchlists");

            migrationBuilder.DropForeignKey(
                name: "fk_webhooks_tenants_tenant_id",
                table: "webhooks");

            migrationBuilder.DropTable(
                name: "api_keys");

            migrationBuilder.DropTable(
                name: "tenants");

            migrationBuilder.DropIndex(
                name: "ix_webhooks_tenant_id",
                table: "webhooks");

            migrationBuilder.DropIndex(
                name: "ix_watchlists_tenant_id",
                table: "watchlists");

            migrationBuilder.DropIndex(
                name: "ix_videos_tenant_id_created_at",
                table: "videos");

            migrationBuilder.DropColumn(
                name: "tenant_id",
                table: "webhooks");

            migrationBuilder.DropColumn(
                name: "tenant_id",
                table: "watchlists");

            migrationBuilder.DropColumn(
                name: "tenant_id",
                table: "videos");
        }
    }
}
