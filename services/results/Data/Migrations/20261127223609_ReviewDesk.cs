using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReviewDesk : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "blind",
                table: "review_feedback",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "review_reveals",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: false),
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    reviewer = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    frame_index = table.Column<int>(type: "integer", nullable: true),
                    at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_review_reveals", x => x.id);
                    table.ForeignKey(
                        name: "fk_review_reveals_review_tasks_task_id",
                        column: x => x.task_id,
                        principalTable: "review_tasks",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "reviewer_exposure",
                columns: table => new
                {
                    reviewer = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    day = table.Column<DateOnly>(type: "date", nullable: false),
                    items = table.Column<int>(type: "integer", nullable: false),
                    reveals = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reviewer_exposure", x => new { x.reviewer, x.day });
                });

            migrationBuilder.CreateIndex(
                name: "ix_review_reveals_reviewer_at",
                table: "review_reveals",
                columns: new[] { "reviewer", "at" });

            migrationBuilder.CreateIndex(
                name: "ix_review_reveals_task_id_reviewer_kind_frame_index",
                table: "review_reveals",
                columns: new[] { "task_id", "reviewer", "kind", "frame_index" },
                unique: true)
                .Annotation("Npgsql:NullsDistinct", false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "review_reveals");

            migrationBuilder.DropTable(
                name: "reviewer_exposure");

            migrationBuilder.DropColumn(
                name: "blind",
                table: "review_feedback");
        }
    }
}
