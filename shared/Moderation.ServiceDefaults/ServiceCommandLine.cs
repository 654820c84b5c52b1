using System.CommandLine;
using System.Globalization;

namespace Moderation.ServiceDefaults;

/// <summary>
/// The command host of every command line here — the services' one-shot commands (<c>migrate</c>, <c>keys create</c>,
/// …), tools/model-import, tools/head-training and the benchmarks — on System.CommandLine: unknown commands, misspelt
/// options, values of the wrong type or out of range and missing values are errors with a usage message and exit code 1,
/// and <c>--help</c> works at every level. For a service, anything that starts with an option (<c>--urls …</c>, or
/// nothing at all) is the host's and means "serve".
/// </summary>
public static class ServiceCommandLine
{
    /// <summary>Whether <paramref name="args"/> ask for a command (or for help) rather than for the service to run.</summary>
    public static bool IsCommand(string[] args) =>
        args is [var first, ..] && (!first.StartsWith('-') || first is "-h" or "-?" or "--help" or "--version");

    /// <summary>
    /// Parses and runs <paramref name="args"/> against <paramref name="root"/>; returns the exit code. Ctrl+C and SIGTERM
    /// cancel the token an asynchronous action receives. <paramref name="configuration"/> redirects help, errors and the
    /// actions' output (<see cref="ParseResult.InvocationConfiguration"/>), for callers and tests that capture them.
    /// </summary>
    public static Task<int> InvokeAsync(RootCommand root, string[] args, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(root);
        return root.Parse(args).InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>
    /// Parses the option's value (invariant culture) and refuses one outside [<paramref name="minimum"/>,
    /// <paramref name="maximum"/>] with a parse error naming the option and the range, instead of clamping it or letting
    /// it reach the code that uses it. Replaces the option's parser; its default (<c>DefaultValueFactory</c>) still applies
    /// when the option is absent.
    /// </summary>
    public static Option<T> InRange<T>(this Option<T> option, T minimum, T maximum)
        where T : struct, IComparable<T>, IParsable<T>
    {
        ArgumentNullException.ThrowIfNull(option);
        option.CustomParser = result =>
        {
            // No value at all is an arity error System.CommandLine reports itself.
            if (result.Tokens is not [.., var token])
            {
                return default;
            }

            if (!T.TryParse(token.Value, CultureInfo.InvariantCulture, out var value))
            {
                result.AddError($"{option.Name} takes a number; '{token.Value}' is not one.");
            }
            else if (value.CompareTo(minimum) < 0 || value.CompareTo(maximum) > 0)
            {
                result.AddError(string.Create(CultureInfo.InvariantCulture, $"{option.Name} must be between {minimum} and {maximum}; '{token.Value}' is not."));
            }

            return value;
        };
        return option;
    }
}
