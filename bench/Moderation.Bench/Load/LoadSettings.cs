using System.CommandLine;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Load;

/// <summary>The <c>load</c> benchmark's command line.</summary>
internal sealed record LoadSettings(
    int Media,
    double VideoShare,
    int Uploaders,
    bool Chaos,
    int ExtractorConcurrency,
    double Minutes,
    bool Soak,
    double Rate,
    double WindowMinutes)
{
    public static Command CreateCommand(Func<LoadSettings, Task<int>> run)
    {
        var media = new Option<int>("--media") { Description = "Distinct media to submit (mostly images, some short videos).", DefaultValueFactory = _ => 200 }.InRange(10, 10_000);
        var videoShare = new Option<double>("--video-share") { Description = "Share of videos among the media.", DefaultValueFactory = _ => 0.2 }.InRange(0, 1);
        var uploaders = new Option<int>("--uploaders") { Description = "Concurrent uploaders.", DefaultValueFactory = _ => 8 }.InRange(1, 64);
        var chaos = new Option<bool>("--chaos") { Description = "Kill (-9) and restart the classifier or the extractor every 20 s." };
        var extractorConcurrency = new Option<int>("--extractor-concurrency") { Description = "Extraction:MaxConcurrentMedia of the extractor; 0: its default.", DefaultValueFactory = _ => 0 }.InRange(0, 64);
        var minutes = new Option<double>("--minutes") { Description = "Bound on the whole run.", DefaultValueFactory = _ => 20 }.InRange(1, 240);
        var soak = new Option<bool>("--soak") { Description = "Offer all media at one fixed --rate and report every --window-minutes instead of saturation then 50 %." };
        var rate = new Option<double>("--rate") { Description = "With --soak: media offered per second.", DefaultValueFactory = _ => 2 }.InRange(0.1, 100);
        var windowMinutes = new Option<double>("--window-minutes") { Description = "With --soak: minutes per report line.", DefaultValueFactory = _ => 5 }.InRange(0.25, 60);
        var command = new Command("load", "The whole cluster under load: saturation, fixed-rate latency and the exactly-once count; --soak: one fixed rate, a report per window.")
        {
            media, videoShare, uploaders, chaos, extractorConcurrency, minutes, soak, rate, windowMinutes,
        };
        command.Validators.Add(result =>
        {
            if (!result.GetValue(soak) && (result.GetResult(rate) is { Implicit: false } || result.GetResult(windowMinutes) is { Implicit: false }))
            {
                result.AddError("--rate and --window-minutes apply to --soak only.");
            }
        });
        command.SetAction(result => run(new LoadSettings(
            result.GetValue(media),
            result.GetValue(videoShare),
            result.GetValue(uploaders),
            result.GetValue(chaos),
            result.GetValue(extractorConcurrency),
            result.GetValue(minutes),
            result.GetValue(soak),
            result.GetValue(rate),
            result.GetValue(windowMinutes))));
        return command;
    }
}
