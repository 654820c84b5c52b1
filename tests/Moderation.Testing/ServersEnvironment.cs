namespace Moderation.Testing;

/// <summary>The <c>env</c> file scripts/lib/servers.sh writes: <c>NAME='value'</c> lines (connection strings, ports).</summary>
public static class ServersEnvironment
{
    public static IReadOnlyDictionary<string, string> Read(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Split('=', 2))
            .Where(parts => parts.Length == 2)
            .ToDictionary(parts => parts[0], parts => parts[1].Trim('\''));
}
