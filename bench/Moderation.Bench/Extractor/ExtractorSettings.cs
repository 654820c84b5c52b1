using System.CommandLine;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Extractor;

/// <summary>The <c>extractor</c> benchmark's command line.</summary>
public sealed record ExtractorSettings(int Minutes, int Height, int Runs, bool Verbose)
{
    public static Command CreateCommand(Func<ExtractorSettings, Task<int>> run)
    {
        var minutes = new Option<int>("--minutes") { Description = "Length of the generated video (cached per size).", DefaultValueFactory = _ => 30 }.InRange(1, 180);
        var height = new Option<int>("--height") { Description = "Height of the generated 16:9 video.", DefaultValueFactory = _ => 480 };
        height.AcceptOnlyFromAmong("144", "240", "360", "480", "720", "1080", "1440", "2160");
        var runs = new Option<int>("--runs") { Description = "Runs of each path; the best counts.", DefaultValueFactory = _ => 1 }.InRange(1, 20);
        var verbose = new Option<bool>("--verbose") { Description = "Say where the extractor's time goes (probe, plan, segments)." };
        var command = new Command("extractor", "A generated long 480p video: the seed's decode-every-frame loop vs the frame extractor, time to first and last frame.")
        {
            minutes, height, runs, verbose,
        };
        command.SetAction(result => run(new ExtractorSettings(result.GetValue(minutes), result.GetValue(height), result.GetValue(runs), result.GetValue(verbose))));
        return command;
    }
}
