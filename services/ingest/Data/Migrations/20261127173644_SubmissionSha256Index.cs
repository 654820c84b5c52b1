using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Moderation.Ingest.Data.Migrations
{
    /// <inheritdoc />
    public partial class SubmissionSha256Index : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_submissions_Sha256",
                table: "submissions",
                column: "Sha256");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_submissions_Sha256",
                table: "submissions");
        }
    }
}
