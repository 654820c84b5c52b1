using System;
using System.Collections.Generic;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "media",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    correlation_id = table.Column<Guid>(type: "uuid", nullable: false),
                    external_id = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    content_type = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    size_bytes = table.Column<long>(type: "bigint", nullable: false),
                    callback_url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    policy_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    client_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    priority = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    duration_seconds = table.Column<double>(type: "double precision", nullable: true),
                    submitted_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    first_seen_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    planned_frames = table.Column<int>(type: "integer", nullable: true),
                    expected_frames = table.Column<int>(type: "integer", nullable: true),
                    frames_scored = table.Column<int>(type: "integer", nullable: false),
                    extraction_elapsed = table.Column<TimeSpan>(type: "interval", nullable: true),
                    decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: true),
                    decided_by_reviewer = table.Column<bool>(type: "boolean", nullable: false),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    failure_reason = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    failure_detail = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    failure_stage = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_media", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "model_heads",
                columns: table => new
                {
                    version = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    base_model_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    base_model_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    head_json = table.Column<string>(type: "jsonb", nullable: false),
                    report_json = table.Column<string>(type: "jsonb", nullable: false),
                    published = table.Column<bool>(type: "boolean", nullable: false),
                    file_path = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_model_heads", x => x.version);
                });

            migrationBuilder.CreateTable(
                name: "outbox",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    message_type = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    payload = table.Column<string>(type: "text", nullable: false),
                    destination = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    next_attempt_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    locked_until = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    locked_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    delivered_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    failed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    last_error = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "policies",
                columns: table => new
                {
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    block_thresholds = table.Column<string>(type: "jsonb", nullable: false),
                    review_thresholds = table.Column<string>(type: "jsonb", nullable: false),
                    early_exit = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    comment = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_policies", x => new { x.name, x.version });
                });

            migrationBuilder.CreateTable(
                name: "class_maxima",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    class_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    score = table.Column<float>(type: "real", nullable: false),
                    frame_index = table.Column<int>(type: "integer", nullable: false),
                    timestamp_seconds = table.Column<double>(type: "double precision", nullable: false),
                    model_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_class_maxima", x => new { x.media_id, x.class_name });
                    table.ForeignKey(
                        name: "fk_class_maxima_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "frame_scores",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    frame_index = table.Column<int>(type: "integer", nullable: false),
                    model_version = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    model_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    timestamp_seconds = table.Column<double>(type: "double precision", nullable: false),
                    scores = table.Column<string>(type: "jsonb", nullable: false),
                    embedding = table.Column<float[]>(type: "real[]", nullable: true),
                    classified_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    received_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_frame_scores", x => new { x.media_id, x.frame_index, x.model_version });
                    table.ForeignKey(
                        name: "fk_frame_scores_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "review_tasks",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reason = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    priority = table.Column<double>(type: "double precision", nullable: false),
                    status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    claimed_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    claimed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    lease_expires_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    skipped_by = table.Column<List<string>>(type: "text[]", nullable: false),
                    completed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_review_tasks", x => x.id);
                    table.ForeignKey(
                        name: "fk_review_tasks_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "verdicts",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    maxima = table.Column<string>(type: "jsonb", nullable: false),
                    frames_scored = table.Column<int>(type: "integer", nullable: false),
                    model_name = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    model_version = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    policy_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    policy_version = table.Column<int>(type: "integer", nullable: false),
                    decided_early = table.Column<bool>(type: "boolean", nullable: false),
                    trigger_class = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    trigger_frame_index = table.Column<int>(type: "integer", nullable: true),
                    decided_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    latency = table.Column<TimeSpan>(type: "interval", nullable: true),
                    extraction_elapsed = table.Column<TimeSpan>(type: "interval", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_verdicts", x => x.id);
                    table.ForeignKey(
                        name: "fk_verdicts_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "review_feedback",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reviewer = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    labels = table.Column<string>(type: "jsonb", nullable: false),
                    comment = table.Column<string>(type: "character varying(4096)", maxLength: 4096, nullable: true),
                    time_spent = table.Column<TimeSpan>(type: "interval", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    automatic_decision = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    model_version = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false),
                    policy_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    policy_version = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_review_feedback", x => x.id);
                    table.ForeignKey(
                        name: "fk_review_feedback_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "fk_review_feedback_review_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "review_tasks",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.InsertData(
                table: "policies",
                columns: new[] { "name", "version", "block_thresholds", "comment", "created_at", "created_by", "early_exit", "review_thresholds" },
                values: new object[] { "default", 1, "{\"Porn\":0.9,\"Hentai\":0.9}", "Block Porn or Hentai at 0.9; review Porn, Hentai or Sexy at 0.5; allow otherwise.", new DateTimeOffset(new DateTime(2025, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)), "seed", true, "{\"Porn\":0.5,\"Hentai\":0.5,\"Sexy\":0.5}" });

            migrationBuilder.CreateIndex(
                name: "ix_class_maxima_class_name_score",
                table: "class_maxima",
                columns: new[] { "class_name", "score" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "ix_frame_scores_model_version_received_at",
                table: "frame_scores",
                columns: new[] { "model_version", "received_at" });

            migrationBuilder.CreateIndex(
                name: "ix_media_decision_decided_at",
                table: "media",
                columns: new[] { "decision", "decided_at" },
                descending: new[] { false, true });

            migrationBuilder.CreateIndex(
                name: "ix_media_external_id",
                table: "media",
                column: "external_id");

            migrationBuilder.CreateIndex(
                name: "ix_media_first_seen_at",
                table: "media",
                column: "first_seen_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "ix_media_sha256",
                table: "media",
                column: "sha256");

            migrationBuilder.CreateIndex(
                name: "ix_media_state_updated_at",
                table: "media",
                columns: new[] { "state", "updated_at" });

            migrationBuilder.CreateIndex(
                name: "ix_model_heads_created_at",
                table: "model_heads",
                column: "created_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "ix_outbox_media_id_created_at",
                table: "outbox",
                columns: new[] { "media_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_outbox_next_attempt_at",
                table: "outbox",
                column: "next_attempt_at",
                filter: "delivered_at IS NULL AND failed_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_review_feedback_media_id_created_at",
                table: "review_feedback",
                columns: new[] { "media_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_review_feedback_model_version_created_at",
                table: "review_feedback",
                columns: new[] { "model_version", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_review_feedback_reviewer_created_at",
                table: "review_feedback",
                columns: new[] { "reviewer", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_review_feedback_task_id",
                table: "review_feedback",
                column: "task_id");

            migrationBuilder.CreateIndex(
                name: "ix_review_tasks_media_id",
                table: "review_tasks",
                column: "media_id",
                unique: true,
                filter: "status = 'open'");

            migrationBuilder.CreateIndex(
                name: "ix_review_tasks_status_priority_created_at",
                table: "review_tasks",
                columns: new[] { "status", "priority", "created_at" },
                descending: new[] { false, true, false });

            migrationBuilder.CreateIndex(
                name: "ix_verdicts_decided_at",
                table: "verdicts",
                column: "decided_at",
                descending: new bool[0]);

            migrationBuilder.CreateIndex(
                name: "ix_verdicts_media_id",
                table: "verdicts",
                column: "media_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_verdicts_model_version_decided_at",
                table: "verdicts",
                columns: new[] { "model_version", "decided_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "class_maxima");

            migrationBuilder.DropTable(
                name: "frame_scores");

            migrationBuilder.DropTable(
                name: "model_heads");

            migrationBuilder.DropTable(
                name: "outbox");

            migrationBuilder.DropTable(
                name: "policies");

            migrationBuilder.DropTable(
                name: "review_feedback");

            migrationBuilder.DropTable(
                name: "verdicts");

            migrationBuilder.DropTable(
                name: "review_tasks");

            migrationBuilder.DropTable(
                name: "media");
        }
    }
}
