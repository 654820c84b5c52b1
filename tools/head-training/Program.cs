namespace Moderation.HeadTraining;

/// <summary>Entry point; in the tool's namespace, so that a test project referencing both it and results sees one global <c>Program</c>.</summary>
internal static class Program
{
    public static Task<int> Main(string[] args) => HeadTrainingCommand.RunAsync(args, Console.Out, Console.Error);
}
