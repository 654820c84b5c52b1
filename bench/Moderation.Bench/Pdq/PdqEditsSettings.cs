using System.CommandLine;

namespace Moderation.Bench.Pdq;

/// <summary>The <c>pdq-edits</c> benchmark's command line.</summary>
public sealed record PdqEditsSettings(bool SkipPhotos)
{
    public static Command CreateCommand(Func<PdqEditsSettings, Task<int>> run)
    {
        var skipPhotos = new Option<bool>("--skip-photos") { Description = "Only the generated pictures, not the photos of /usr/share/backgrounds." };
        var command = new Command("pdq-edits", "How often an edited copy of a picture still matches its PDQ hash at distance 31: resize, recompression, brightness, mirror, crop, padding, rotation, overlay.")
        {
            skipPhotos,
        };
        command.SetAction(result => run(new PdqEditsSettings(result.GetValue(skipPhotos))));
        return command;
    }
}
