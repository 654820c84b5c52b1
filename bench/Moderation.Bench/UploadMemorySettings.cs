using System.CommandLine;
using Moderation.ServiceDefaults;

namespace Moderation.Bench;

/// <summary>The <c>upload-memory</c> benchmark's command line.</summary>
public sealed record UploadMemorySettings(double Gib)
{
    public static Command CreateCommand(Func<UploadMemorySettings, Task<int>> run)
    {
        var gib = new Option<double>("--gib") { Description = "Size of each upload in GiB.", DefaultValueFactory = _ => 1 }.InRange(0.01, 64);
        var command = new Command("upload-memory", "Peak working set of ingest while an upload of --gib GiB streams in (raw body, then multipart).") { gib };
        command.SetAction(result => run(new UploadMemorySettings(result.GetValue(gib))));
        return command;
    }
}
