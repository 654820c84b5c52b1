using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class HashBanks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "matches",
                table: "verdicts",
                type: "jsonb",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<Guid>(
                name: "reused_from_media_id",
                table: "verdicts",
                type: "uuid",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "near_duplicate_decision",
                table: "media",
                type: "character varying(16)",
                maxLength: 16,
                nullable: true);

            migrationBuilder.AddColumn<Guid>(
                name: "near_duplicate_of",
                table: "media",
                type: "uuid",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "hash_banks",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    action = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    max_distance = table.Column<int>(type: "integer", nullable: false),
                    owner_client_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    created_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_hash_banks", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "medium_hashes",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    frame_index = table.Column<int>(type: "integer", nullable: false),
                    timestamp_seconds = table.Column<double>(type: "double precision", nullable: false),
                    pdq = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    quality = table.Column<int>(type: "integer", nullable: false),
                    hashed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_medium_hashes", x => new { x.media_id, x.frame_index });
                    table.ForeignKey(
                        name: "fk_medium_hashes_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "medium_matches",
                columns: table => new
                {
                    media_id = table.Column<Guid>(type: "uuid", nullable: false),
                    frame_index = table.Column<int>(type: "integer", nullable: false),
                    bank_id = table.Column<Guid>(type: "uuid", nullable: false),
                    bank_name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    action = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                    distance = table.Column<int>(type: "integer", nullable: false),
                    timestamp_seconds = table.Column<double>(type: "double precision", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_medium_matches", x => new { x.media_id, x.frame_index, x.bank_id });
                    table.ForeignKey(
                        name: "fk_medium_matches_media_media_id",
                        column: x => x.media_id,
                        principalTable: "media",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "bank_entries",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    bank_id = table.Column<Guid>(type: "uuid", nullable: false),
                    pdq = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    quality = table.Column<int>(type: "integer", nullable: true),
                    note = table.Column<string>(type: "character varying(1024)", maxLength: 1024, nullable: true),
                    added_by = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false),
                    added_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    source_media_id = table.Column<Guid>(type: "uuid", nullable: true),
                    source_frame_index = table.Column<int>(type: "integer", nullable: true),
                    review_feedback_id = table.Column<Guid>(type: "uuid", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bank_entries", x => x.id);
                    table.ForeignKey(
                        name: "fk_bank_entries_hash_banks_bank_id",
                        column: x => x.bank_id,
                        principalTable: "hash_banks",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_bank_entries_bank_id_added_at_id",
                table: "bank_entries",
                columns: new[] { "bank_id", "added_at", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_bank_entries_bank_id_pdq",
                table: "bank_entries",
                columns: new[] { "bank_id", "pdq" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_bank_entries_review_feedback_id",
                table: "bank_entries",
                column: "review_feedback_id",
                filter: "review_feedback_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_hash_banks_name",
                table: "hash_banks",
                column: "name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bank_entries");

            migrationBuilder.DropTable(
                name: "medium_hashes");

            migrationBuilder.DropTable(
                name: "medium_matches");

            migrationBuilder.DropTable(
                name: "hash_banks");

            migrationBuilder.DropColumn(
                name: "matches",
                table: "verdicts");

            migrationBuilder.DropColumn(
                name: "reused_from_media_id",
                table: "verdicts");

            migrationBuilder.DropColumn(
                name: "near_duplicate_decision",
                table: "media");

            migrationBuilder.DropColumn(
                name: "near_duplicate_of",
                table: "media");
        }
    }
}
