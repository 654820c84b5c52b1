using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class ReasonCodes : Migration
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

            migrationBuilder.UpdateData(
                table: "policies",
                keyColumns: new[] { "name", "version" },
                keyValues: new object[] { "default", 1 },
                columns: new[] { "description", "reason_codes", "require_block_reason" },
                values: new object[] { null, "[]", false });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
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
