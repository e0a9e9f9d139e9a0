using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VideoCoca.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialResults : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "model_versions",
                columns: table => new
                {
                    id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    checksum = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_versions", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "videos",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    file_name = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    blob_path = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    duration_seconds = table.Column<double>(type: "double precision", nullable: true),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    clip_length_seconds = table.Column<double>(type: "double precision", nullable: false),
                    overlap_seconds = table.Column<double>(type: "double precision", nullable: false),
                    frames_per_clip = table.Column<int>(type: "integer", nullable: false),
                    questions_json = table.Column<string>(type: "jsonb", nullable: false, defaultValueSql: "'[]'::jsonb"),
                    error = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    clips_total = table.Column<int>(type: "integer", nullable: false),
                    clips_done = table.Column<int>(type: "integer", nullable: false),
                    clips_failed = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_videos", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "clips",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    video_id = table.Column<Guid>(type: "uuid", nullable: false),
                    index = table.Column<int>(type: "integer", nullable: false),
                    start_seconds = table.Column<double>(type: "double precision", nullable: false),
                    end_seconds = table.Column<double>(type: "double precision", nullable: false),
                    thumbnail_path = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    frames_path = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    state = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: false),
                    error = table.Column<string>(type: "text", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_clips", x => x.id);
                    table.ForeignKey(
                        name: "fk_clips_videos_video_id",
                        column: x => x.video_id,
                        principalTable: "videos",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "clip_results",
                columns: table => new
                {
                    clip_id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_version_id = table.Column<int>(type: "integer", nullable: false),
                    caption = table.Column<string>(type: "text", nullable: false),
                    embedding = table.Column<float[]>(type: "real[]", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_clip_results", x => new { x.clip_id, x.model_version_id });
                    table.ForeignKey(
                        name: "fk_clip_results_clips_clip_id",
                        column: x => x.clip_id,
                        principalTable: "clips",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_clip_results_model_versions_model_version_id",
                        column: x => x.model_version_id,
                        principalTable: "model_versions",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "clip_answers",
                columns: table => new
                {
                    clip_id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_version_id = table.Column<int>(type: "integer", nullable: false),
                    question = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    answer = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_clip_answers", x => new { x.clip_id, x.model_version_id, x.question });
                    table.ForeignKey(
                        name: "fk_clip_answers_clip_results_clip_id_model_version_id",
                        columns: x => new { x.clip_id, x.model_version_id },
                        principalTable: "clip_results",
                        principalColumns: new[] { "clip_id", "model_version_id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "clip_labels",
                columns: table => new
                {
                    clip_id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_version_id = table.Column<int>(type: "integer", nullable: false),
                    label = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    confidence = table.Column<double>(type: "double precision", nullable: false),
                    rank = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_clip_labels", x => new { x.clip_id, x.model_version_id, x.label });
                    table.ForeignKey(
                        name: "fk_clip_labels_clip_results_clip_id_model_version_id",
                        columns: x => new { x.clip_id, x.model_version_id },
                        principalTable: "clip_results",
                        principalColumns: new[] { "clip_id", "model_version_id" },
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_clip_labels_label_confidence",
                table: "clip_labels",
                columns: new[] { "label", "confidence" });

            migrationBuilder.CreateIndex(
                name: "ix_clip_results_model_version_id",
                table: "clip_results",
                column: "model_version_id");

            migrationBuilder.CreateIndex(
                name: "ix_clips_video_id_index",
                table: "clips",
                columns: new[] { "video_id", "index" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_model_versions_name",
                table: "model_versions",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_videos_created_at",
                table: "videos",
                column: "created_at");

            migrationBuilder.CreateIndex(
                name: "ix_videos_state",
                table: "videos",
                column: "state");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "clip_answers");

            migrationBuilder.DropTable(
                name: "clip_labels");

            migrationBuilder.DropTable(
                name: "clip_results");

            migrationBuilder.DropTable(
                name: "clips");

            migrationBuilder.DropTable(
                name: "model_versions");

            migrationBuilder.DropTable(
                name: "videos");
        }
    }
}
