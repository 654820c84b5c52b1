using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class CorroboratedVideoVerdicts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "segments",
                table: "verdicts",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<int>(
                name: "corroboration_frames",
                table: "policies",
                type: "integer",
                nullable: false,
                defaultValue: 2);

            migrationBuilder.AddColumn<double>(
                name: "corroboration_seconds",
                table: "policies",
                type: "double precision",
                nullable: false,
                defaultValue: 2.0);

            migrationBuilder.AddColumn<int>(
                name: "smoothing_window",
                table: "policies",
                type: "integer",
                nullable: false,
                defaultValue: 1);

            migrationBuilder.AddColumn<double>(
                name: "sample_interval_seconds",
                table: "media",
                type: "double precision",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "heatmap_classes",
                table: "frame_scores",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.UpdateData(
                table: "policies",
                keyColumns: new[] { "name", "version" },
                keyValues: new object[] { "default", 1 },
                columns: new[] { "corroboration_frames", "corroboration_seconds", "smoothing_window" },
                values: new object[] { 2, 2.0, 1 });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "segments",
                table: "verdicts");

            migrationBuilder.DropColumn(
                name: "corroboration_frames",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "corroboration_seconds",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "smoothing_window",
                table: "policies");

            migrationBuilder.DropColumn(
                name: "sample_interval_seconds",
                table: "media");

            migrationBuilder.DropColumn(
                name: "heatmap_classes",
                table: "frame_scores");
        }
    }
}
