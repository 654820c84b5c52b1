using System.CommandLine;

namespace Moderation.ServiceDefaults;

/// <summary>
/// The one-shot commands a service runs instead of serving (<c>migrate</c>, <c>keys create</c>, <c>train-head</c> …), on
/// System.CommandLine: unknown commands, misspelt options and missing values are errors with a usage message and exit
/// code 1, and <c>--help</c> works at every level. Anything that starts with an option (<c>--urls …</c>, or nothing at
/// all) is the host's and means "serve".
/// </summary>
public static class ServiceCommandLine
{
    /// <summary>Whether <paramref name="args"/> ask for a command (or for help) rather than for the service to run.</summary>
    public static bool IsCommand(string[] args) =>
        args is [var first, ..] && (!first.StartsWith('-') || first is "-h" or "-?" or "--help" or "--version");

    /// <summary>Parses and runs <paramref name="args"/> against <paramref name="root"/>; returns the exit code.</summary>
    public static Task<int> InvokeAsync(RootCommand root, string[] args, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.Parse(args).InvokeAsync(cancellationToken: cancellationToken);
    }
}
