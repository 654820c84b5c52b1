using System.CommandLine;
using Moderation.Bench.Stack;
using Moderation.ServiceDefaults;

namespace Moderation.Bench.Video;

/// <summary>The <c>video</c> benchmark's command line.</summary>
internal sealed record VideoSettings(int Minutes, string? Stack)
{
    public static Command CreateCommand(Func<VideoSettings, Task<int>> run)
    {
        var minutes = new Option<int>("--minutes") { Description = "Length of the generated 480p video (cached).", DefaultValueFactory = _ => 32 }.InRange(1, 180);
        var stack = StackOption.Create();
        var command = new Command("video", "A generated long 480p video: an OpenCV read-every-frame loop vs the running stack, acceptance to verdict.") { minutes, stack };
        command.SetAction(result => run(new VideoSettings(result.GetValue(minutes), result.GetValue(stack)?.FullName)));
        return command;
    }
}
