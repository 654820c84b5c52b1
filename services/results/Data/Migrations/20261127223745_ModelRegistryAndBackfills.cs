using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class ModelRegistryAndBackfills : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "backfills",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    model_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    model_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    selection = table.Column<string>(type: "jsonb", nullable: false),
                    apply_changes = table.Column<bool>(type: "boolean", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    erased_before_start = table.Column<int>(type: "integer", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_backfills", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "model_deployments",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    active_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    shadow_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    shadow_share = table.Column<double>(type: "double precision", nullable: false),
                    previous_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_deployments", x => x.name);
                });

            migrationBuilder.CreateTable(
                name: "model_frame_scores",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    frame_index = table.Column<int>(type: "integer", nullable: false),
                    model_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    model_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    purpose = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    timestamp_seconds = table.Column<double>(type: "double precision", nullable: false),
                    scores = table.Column<string>(type: "jsonb", nullable: true),
                    failure_reason = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_frame_scores", x => new { x.media_id, x.frame_index, x.model_name, x.model_version });
                    table.ForeignKey(
                        name: "fk_model_frame_scores_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "model_versions",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    manifest_json = table.Column<string>(type: "jsonb", nullable: false),
                    blob_key = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: false),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    head_version = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    comment = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    registered_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    registered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_versions", x => new { x.name, x.version });
                    table.ForeignKey(
                        name: "fk_model_versions_model_heads_head_version",
                        column: x => x.head_version,
                        principalTable: "model_heads",
                        principalColumn: "version",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "verdict_revisions",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    revision = table.Column<int>(type: "integer", nullable: false),
                    backfill_id = table.Column<Guid>(type: "uuid", nullable: true),
                    decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    previous_decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    maxima = table.Column<string>(type: "jsonb", nullable: false),
                    frames_scored = table.Column<int>(type: "integer", nullable: false),
                    model_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    model_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    policy_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    policy_version = table.Column<int>(type: "integer", nullable: false),
                    applied = table.Column<bool>(type: "boolean", nullable: false),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_verdict_revisions", x => new { x.media_id, x.revision });
                    table.ForeignKey(
                        name: "fk_verdict_revisions_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "backfill_items",
                columns: table => new
                {
                    backfill_id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    reason = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    frames = table.Column<List<int>>(type: "integer[]", nullable: false),
                    previous_decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    new_decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    changed = table.Column<bool>(type: "boolean", nullable: false),
                    applied = table.Column<bool>(type: "boolean", nullable: false),
                    revision = table.Column<int>(type: "integer", nullable: true),
                    dispatched_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_backfill_items", x => new { x.backfill_id, x.media_id });
                    table.ForeignKey(
                        name: "fk_backfill_items_backfills_backfill_id",
                        column: x => x.backfill_id,
                        principalTable: "backfills",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_backfill_items_backfill_id_completed_at",
                table: "backfill_items",
                columns: new[] { "backfill_id", "completed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_backfill_items_backfill_id_state_media_id",
                table: "backfill_items",
                columns: new[] { "backfill_id", "state", "media_id" });

            migrationBuilder.CreateIndex(
                name: "ix_backfills_state_created_at",
                table: "backfills",
                columns: new[] { "state", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_model_frame_scores_model_name_model_version_media_id",
                table: "model_frame_scores",
                columns: new[] { "model_name", "model_version", "media_id" });

            migrationBuilder.CreateIndex(
                name: "ix_model_versions_head_version",
                table: "model_versions",
                column: "head_version");

            migrationBuilder.CreateIndex(
                name: "ix_verdict_revisions_backfill_id_media_id",
                table: "verdict_revisions",
                columns: new[] { "backfill_id", "media_id" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "backfill_items");

            migrationBuilder.DropTable(
                name: "model_deployments");

            migrationBuilder.DropTable(
                name: "model_frame_scores");

            migrationBuilder.DropTable(
                name: "model_versions");

            migrationBuilder.DropTable(
                name: "verdict_revisions");

            migrationBuilder.DropTable(
                name: "backfills");
        }
    }
}
