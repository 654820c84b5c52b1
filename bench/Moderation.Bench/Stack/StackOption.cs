using System.CommandLine;

namespace Moderation.Bench.Stack;

/// <summary><c>--stack &lt;repo root&gt;</c> of the benchmarks that attach to a running stack (<see cref="RunningStack.Find"/>).</summary>
internal static class StackOption
{
    public static Option<DirectoryInfo> Create()
    {
        var stack = new Option<DirectoryInfo>("--stack")
        {
            Description = "Repository root of the stack scripts/up started (default: $MODERATION_STACK_ROOT, else this repository).",
            HelpName = "repo root",
        };
        stack.AcceptExistingOnly();
        return stack;
    }
}
