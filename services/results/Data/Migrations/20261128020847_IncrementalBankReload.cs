using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class IncrementalBankReload : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Entries from before carry revision 0: every replica loads them whole on start.
            migrationBuilder.AddColumn<long>(
                name: "added_revision",
                table: "bank_entries",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "seq",
                table: "bank_entries",
                type: "bigint",
                nullable: false)
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn);

            migrationBuilder.CreateTable(
                name: "bank_entry_removals",
                columns: table => new
                {
                    bank_id = table.Column<Guid>(type: "uuid", nullable: false),
                    revision = table.Column<long>(type: "bigint", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false),
                    pdq = table.Column<string>(type: "character(64)", fixedLength: true, maxLength: 64, nullable: false),
                    removed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bank_entry_removals", x => new { x.bank_id, x.revision, x.seq });
                    table.ForeignKey(
                        name: "fk_bank_entry_removals_hash_banks_bank_id",
                        column: x => x.bank_id,
                        principalTable: "hash_banks",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "ix_bank_entries_bank_id_added_revision",
                table: "bank_entries",
                columns: new[] { "bank_id", "added_revision" });

            migrationBuilder.CreateIndex(
                name: "ix_bank_entries_seq",
                table: "bank_entries",
                column: "seq",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "bank_entry_removals");

            migrationBuilder.DropIndex(
                name: "ix_bank_entries_bank_id_added_revision",
                table: "bank_entries");

            migrationBuilder.DropIndex(
                name: "ix_bank_entries_seq",
                table: "bank_entries");

            migrationBuilder.DropColumn(
                name: "added_revision",
                table: "bank_entries");

            migrationBuilder.DropColumn(
                name: "seq",
                table: "bank_entries");
        }
    }
}
