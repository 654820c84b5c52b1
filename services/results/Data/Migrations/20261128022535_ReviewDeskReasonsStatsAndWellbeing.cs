using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReviewDeskReasonsStatsAndWellbeing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "reason_code",
                table: "review_feedback",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "description",
                table: "policies",
                type: "character varying(4096)",
                maxLength: 4096,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "reason_codes",
                table: "policies",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<bool>(
                name: "require_block_reason",
                table: "policies",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "reviewer_settings",
                columns: table => new
                {
                    reviewer = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    blur_pixels = table.Column<int>(type: "integer", nullable: false),
                    greyscale = table.Column<bool>(type: "boolean", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_reviewer_settings", x => x.reviewer);
                });

            migrationBuilder.UpdateData(
                table: "policies",
                keyColumns: new[] { "name", "version" },
                keyValues: new object[] { "default", 1 },
                columns: new[] { "description", "reason_codes", "require_block_reason" },
                values: new object[] { null, "[]", false });

            migrationBuilder.CreateIndex(
                name: "ix_audit_log_client_id_id",
                table: "audit_log",
                columns: new[] { "client_id", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "reviewer_settings");

            migrationBuilder.DropIndex(
                name: "ix_audit_log_client_id_id",
                table: "audit_log");

            migrationBuilder.DropColumn(
                name: "reason_code",
                table: "review_feedback");

            migrationBuilder.DropColumn(
                name: "description",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "reason_codes",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "require_block_reason",
                table: "policies");
        }
    }
}
