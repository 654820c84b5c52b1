using System.CommandLine;
using System.Globalization;
using Moderation.Results.Policies;
using Moderation.ServiceDefaults;
using Moderation.Testing;

namespace Moderation.Bench.Cascade;

/// <summary>The <c>cascade</c> benchmark's command line.</summary>
internal sealed record CascadeSettings(string Corpora, float Margin, IReadOnlyList<float> Sweep, int Batch, int Limit)
{
    public static readonly IReadOnlyList<float> DefaultSweep = [0f, 0.05f, 0.1f, 0.15f, 0.2f, 0.3f, 0.4f];

    public static string DefaultCorpora => Path.Combine(RepoPaths.Data, "corpora");

    public static Command CreateCommand(Func<CascadeSettings, Task<int>> run)
    {
        var corpora = new Option<DirectoryInfo>("--corpora") { Description = "The corpora collected by scripts/corpora (one folder each, with MANIFEST.tsv).", HelpName = "dir", DefaultValueFactory = _ => new DirectoryInfo(DefaultCorpora) };
        corpora.AcceptExistingOnly();
        var margin = new Option<float>("--margin") { Description = "The band margin below the review thresholds whose cascade is run and timed.", DefaultValueFactory = _ => ModerationPolicy.DefaultCascadeMargin }.InRange(0f, 1f);
        var sweep = new Option<string>("--sweep") { Description = "Band margins of the trade-off curve (comma-separated), computed from every picture's scores of both models.", DefaultValueFactory = _ => string.Join(',', DefaultSweep.Select(m => m.ToString(CultureInfo.InvariantCulture))) };
        sweep.Validators.Add(result =>
        {
            if (result.Tokens is [.., var token] && ParseSweep(token.Value) is null)
            {
                result.AddError($"--sweep takes margins between 0 and 1 separated by commas; '{token.Value}' is not that.");
            }
        });
        var batch = new Option<int>("--batch") { Description = "Frames per inference call at most (the classifier's MaxBatchSize).", DefaultValueFactory = _ => 8 }.InRange(1, 1024);
        var limit = new Option<int>("--limit") { Description = "Pictures per corpus at most (in manifest order), to bound a run on a shared machine.", DefaultValueFactory = _ => 200 }.InRange(1, 100_000);
        var command = new Command("cascade", "Benign corpora (scripts/corpora): flagged rate of MobileNetV2, InceptionV3 and the cascade under the default policy, share escalated, classifier CPU per medium, and the band-width trade-off; a report under bench/results.")
        {
            corpora, margin, sweep, batch, limit,
        };
        command.SetAction(result => run(new CascadeSettings(
            result.GetRequiredValue(corpora).FullName,
            result.GetValue(margin),
            ParseSweep(result.GetRequiredValue(sweep))!,
            result.GetValue(batch),
            result.GetValue(limit))));
        return command;
    }

    private static List<float>? ParseSweep(string value)
    {
        var margins = new List<float>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!float.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) || !float.IsFinite(m) || m is < 0 or > 1)
            {
                return null;
            }

            margins.Add(m);
        }

        return margins.Count == 0 ? null : margins;
    }
}
