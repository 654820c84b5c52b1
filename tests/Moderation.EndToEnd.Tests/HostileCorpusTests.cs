using Moderation.Testing;

namespace Moderation.EndToEnd.Tests;

public sealed class HostileCorpusTests
{
    [Fact]
    public async Task Corpus_has_thirty_distinct_generated_cases_that_ffprobe_sees_as_intended()
    {
        var dir = Directory.CreateTempSubdirectory("hostile-").FullName;
        try
        {
            var cases = await HostileCorpus.GenerateAsync(dir, new Uri("http://127.0.0.1:9/"));

            Assert.True(cases.Count >= 30, $"only {cases.Count} cases");
            Assert.Equal(cases.Count, cases.Select(c => c.Name).Distinct().Count());
            Assert.All(cases, c => Assert.True(File.Exists(c.Path), c.Name));

            var bomb = cases.Single(c => c.Name == "png-huge-dimensions");
            var probe = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", bomb.Path]);
            Assert.Contains("100000x100000", probe, StringComparison.Ordinal); // ffprobe refuses the declared size: the bomb is well-formed enough to be read that far

            var tenHours = cases.Single(c => c.Name == "ten-hour-video");
            var duration = await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", tenHours.Path]);
            Assert.True(double.Parse(duration.Trim(), System.Globalization.CultureInfo.InvariantCulture) >= 36000);

            var streams = cases.Single(c => c.Name == "a-thousand-streams");
            var count = (await ProcessRunner.RunAsync("ffprobe", ["-v", "error", "-show_entries", "stream=index", "-of", "csv=p=0", streams.Path]))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
            Assert.True(count >= 999, $"{count} streams");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
