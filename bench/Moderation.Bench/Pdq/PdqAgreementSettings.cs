using System.CommandLine;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Pdq;

/// <summary>The <c>pdq-agreement</c> benchmark's command line.</summary>
public sealed record PdqAgreementSettings(FileInfo? Reference, IReadOnlyList<DirectoryInfo> Pictures, bool SkipPhotos, bool WriteVectors, int Repeats)
{
    public static Command CreateCommand(Func<PdqAgreementSettings, Task<int>> run)
    {
        var reference = new Option<FileInfo>("--reference")
        {
            Description = "Meta's pdq-photo-hasher (facebook/ThreatExchange pdq/cpp, built outside this repository); without it the recorded vectors stand in for it on the generated pictures.",
            HelpName = "path/pdq-photo-hasher",
        };
        reference.AcceptExistingOnly();
        var pictures = new Option<DirectoryInfo[]>("--pictures")
        {
            Description = "More directories of pictures to compare on (e.g. ThreatExchange's pdq/data); needs --reference.",
            HelpName = "dir",
            AllowMultipleArgumentsPerToken = false,
        };
        pictures.AcceptExistingOnly();
        var skipPhotos = new Option<bool>("--skip-photos") { Description = "Leave out the photos of /usr/share/backgrounds (needs --reference anyway)." };
        var writeVectors = new Option<bool>("--write-vectors") { Description = "Record the reference's hashes of the generated pictures as the test vectors (needs --reference)." };
        var repeats = new Option<int>("--repeats") { Description = "Timed hashes of each decoded picture.", DefaultValueFactory = _ => 20 }.InRange(1, 1000);
        var command = new Command("pdq-agreement", "Our PDQ hashes against Meta's reference hasher (distance and quality per picture set) and the time a hash takes after decoding.")
        {
            reference, pictures, skipPhotos, writeVectors, repeats,
        };
        command.Validators.Add(result =>
        {
            // Presence, not values: a value that failed its own check must not be read here.
            if (result.GetResult(reference) is null && (result.GetValue(writeVectors) || result.GetResult(pictures) is not null))
            {
                result.AddError("--write-vectors and --pictures need --reference.");
            }
        });
        command.SetAction(result => run(new PdqAgreementSettings(
            result.GetValue(reference), result.GetValue(pictures) ?? [], result.GetValue(skipPhotos), result.GetValue(writeVectors), result.GetValue(repeats))));
        return command;
    }
}
