using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class ModelCascade : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "escalated_frames",
                table: "verdicts",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "model_configuration",
                table: "verdicts",
                type: "character varying(128)",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<float>(
                name: "cascade_margin",
                table: "policies",
                type: "real",
                nullable: false,
                defaultValue: 0.1f);

            migrationBuilder.AddColumn<string>(
                name: "models",
                table: "policies",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "mobilenet_v2");

            migrationBuilder.AddColumn<string>(
                name: "model_configuration",
                table: "frame_scores",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "model_scores",
                table: "frame_scores",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<string>(
                name: "score_rule",
                table: "frame_scores",
                type: "character varying(32)",
                maxLength: 32,
                nullable: true);

            migrationBuilder.UpdateData(
                table: "policies",
                keyColumns: new[] { "name", "version" },
                keyValues: new object[] { "default", 1 },
                columns: new[] { "cascade_margin", "models" },
                values: new object[] { 0.1f, "mobilenet_v2" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "escalated_frames",
                table: "verdicts");

            migrationBuilder.DropColumn(
                name: "model_configuration",
                table: "verdicts");

            migrationBuilder.DropColumn(
                name: "cascade_margin",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "models",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "model_configuration",
                table: "frame_scores");

            migrationBuilder.DropColumn(
                name: "model_scores",
                table: "frame_scores");

            migrationBuilder.DropColumn(
                name: "score_rule",
                table: "frame_scores");
        }
    }
}
