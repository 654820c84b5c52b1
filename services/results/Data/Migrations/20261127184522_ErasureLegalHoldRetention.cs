using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class ErasureLegalHoldRetention : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "frames_removed_at",
                table: "media",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<bool>(
                name: "legal_hold",
                table: "media",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "original_removed_at",
                table: "media",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "erasures",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    client_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    erased_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    erased_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    reason = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_erasures", x => x.media_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_media_client_id_decided_at",
                table: "media",
                columns: new[] { "client_id", "decided_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "erasures");

            migrationBuilder.DropIndex(
                name: "ix_media_client_id_decided_at",
                table: "media");

            migrationBuilder.DropColumn(
                name: "frames_removed_at",
                table: "media");

            migrationBuilder.DropColumn(
                name: "legal_hold",
                table: "media");

            migrationBuilder.DropColumn(
                name: "original_removed_at",
                table: "media");
        }
    }
}
