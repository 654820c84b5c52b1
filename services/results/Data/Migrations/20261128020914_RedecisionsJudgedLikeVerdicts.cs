using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class RedecisionsJudgedLikeVerdicts : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<string>(
                name: "matches",
                table: "verdicts",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb",
                oldClrType: typeof(string),
                oldType: "jsonb");

            migrationBuilder.AlterColumn<string>(
                name: "model_version",
                table: "verdict_revisions",
                type: "character varying(256)",
                maxLength: 256,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(128)",
                oldMaxLength: 128);

            migrationBuilder.AddColumn<string>(
                name: "matches",
                table: "verdict_revisions",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<Guid>(
                name: "reused_from_media_id",
                table: "verdict_revisions",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "segments",
                table: "verdict_revisions",
                type: "jsonb",
                nullable: false,
                defaultValueSql: "'[]'::jsonb");

            migrationBuilder.AddColumn<string>(
                name: "trigger_class",
                table: "verdict_revisions",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "trigger_frame_index",
                table: "verdict_revisions",
                type: "integer",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "matches",
                table: "verdict_revisions");

            migrationBuilder.DropColumn(
                name: "reused_from_media_id",
                table: "verdict_revisions");

            migrationBuilder.DropColumn(
                name: "segments",
                table: "verdict_revisions");

            migrationBuilder.DropColumn(
                name: "trigger_class",
                table: "verdict_revisions");

            migrationBuilder.DropColumn(
                name: "trigger_frame_index",
                table: "verdict_revisions");

            migrationBuilder.AlterColumn<string>(
                name: "matches",
                table: "verdicts",
                type: "jsonb",
                nullable: false,
                oldClrType: typeof(string),
                oldType: "jsonb",
                oldDefaultValueSql: "'[]'::jsonb");

            migrationBuilder.AlterColumn<string>(
                name: "model_version",
                table: "verdict_revisions",
                type: "character varying(128)",
                maxLength: 128,
                nullable: false,
                oldClrType: typeof(string),
                oldType: "character varying(256)",
                oldMaxLength: 256);
        }
    }
}
