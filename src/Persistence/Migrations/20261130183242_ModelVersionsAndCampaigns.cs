using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VideoCoca.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class ModelVersionsAndCampaigns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "activated_at",
                table: "model_versions",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "config_summary",
                table: "model_versions",
                type: "character varying(1024)",
                maxLength: 1024,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "input_frames",
                table: "model_versions",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "input_height",
                table: "model_versions",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "input_resize",
                table: "model_versions",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<int>(
                name: "input_width",
                table: "model_versions",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "frames_deleted_at",
                table: "clips",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "frames_input",
                table: "clips",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "campaigns",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    target_version_id = table.Column<int>(type: "integer", nullable: false),
                    source_version_id = table.Column<int>(type: "integer", nullable: true),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    uploaded_after = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    uploaded_before = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    video_ids = table.Column<List<Guid>>(type: "uuid[]", nullable: true),
                    clips_per_minute = table.Column<int>(type: "integer", nullable: false),
                    window_start = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    window_end = table.Column<TimeOnly>(type: "time without time zone", nullable: true),
                    time_zone = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    activate_on_completion = table.Column<bool>(type: "boolean", nullable: false),
                    clips_total = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    detail = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaigns", x => x.id);
                    table.ForeignKey(
                        name: "fk_campaigns_model_versions_source_version_id",
                        column: x => x.source_version_id,
                        principalTable: "model_versions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.SetNull);
                    table.ForeignKey(
                        name: "fk_campaigns_model_versions_target_version_id",
                        column: x => x.target_version_id,
                        principalTable: "model_versions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "model_workers",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    model_version_id = table.Column<int>(type: "integer", nullable: false),
                    host_name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_workers", x => x.id);
                    table.ForeignKey(
                        name: "fk_model_workers_model_versions_model_version_id",
                        column: x => x.model_version_id,
                        principalTable: "model_versions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "campaign_clips",
                columns: table => new
                {
                    campaign_id = table.Column<Guid>(type: "uuid", nullable: false),
                    clip_id = table.Column<Guid>(type: "uuid", nullable: false),
                    video_id = table.Column<Guid>(type: "uuid", nullable: false),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    error = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_campaign_clips", x => new { x.campaign_id, x.clip_id });
                    table.ForeignKey(
                        name: "fk_campaign_clips_campaigns_campaign_id",
                        column: x => x.campaign_id,
                        principalTable: "campaigns",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_campaign_clips_clips_clip_id",
                        column: x => x.clip_id,
                        principalTable: "clips",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_campaign_clips_campaign_id_state",
                table: "campaign_clips",
                columns: new[] { "campaign_id", "state" });

            migrationBuilder.CreateIndex(
                name: "ix_campaign_clips_clip_id",
                table: "campaign_clips",
                column: "clip_id");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_created_at",
                table: "campaigns",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_source_version_id",
                table: "campaigns",
                column: "source_version_id");

            migrationBuilder.CreateIndex(
                name: "ix_campaigns_target_version_id",
                table: "campaigns",
                column: "target_version_id");

            migrationBuilder.CreateIndex(
                name: "ix_model_workers_model_version_id_seen_at",
                table: "model_workers",
                columns: new[] { "model_version_id", "seen_at" });

            // A catalogue analysed before versions could be activated reads what it read before: the newest version
            // with results (else the newest registered) becomes the active one.
            migrationBuilder.Sql("""
                UPDATE model_versions SET activated_at = now()
                WHERE id = (SELECT m.id FROM model_versions m
                            ORDER BY EXISTS (SELECT 1 FROM clip_results r WHERE r.model_version_id = m.id) DESC, m.created_at DESC, m.id DESC
                            LIMIT 1);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "campaign_clips");

            migrationBuilder.DropTable(
                name: "model_workers");

            migrationBuilder.DropTable(
                name: "campaigns");

            migrationBuilder.DropColumn(
                name: "activated_at",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "config_summary",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "input_frames",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "input_height",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "input_resize",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "input_width",
                table: "model_versions");

            migrationBuilder.DropColumn(
                name: "frames_deleted_at",
                table: "clips");

            migrationBuilder.DropColumn(
                name: "frames_input",
                table: "clips");
        }
    }
}
