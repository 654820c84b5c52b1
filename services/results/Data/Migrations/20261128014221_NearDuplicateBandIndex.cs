using Microsoft.EntityFrameworkCore.Migrations;
using Moderation.Results.Banks;

#nullable disable

namespace Moderation.Results.Data.Migrations
{
    /// <inheritdoc />
    public partial class NearDuplicateBandIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int[]>(
                name: "bands",
                table: "medium_hashes",
                type: "integer[]",
                nullable: true);

            // The stills hashed before: their bands, as the service computes them for new ones.
            migrationBuilder.Sql($"""
                UPDATE medium_hashes h SET bands = {NearDuplicateBands.Sql}
                FROM media m WHERE m.id = h.media_id AND m.kind = 'Still' AND h.quality >= 50
                """);

            migrationBuilder.CreateIndex(
                name: "ix_medium_hashes_bands",
                table: "medium_hashes",
                column: "bands",
                filter: "bands IS NOT NULL")
                .Annotation("Npgsql:IndexMethod", "gin");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_medium_hashes_bands",
                table: "medium_hashes");

            migrationBuilder.DropColumn(
                name: "bands",
                table: "medium_hashes");
        }
    }
}
