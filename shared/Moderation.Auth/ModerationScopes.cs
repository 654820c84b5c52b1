using System.Collections.Frozen;

namespace Moderation.Auth;

/// <summary>
/// The one scope model of the cluster, for every service and the dashboard. An API key (or a token) is granted scopes;
/// a grant implies others: <c>admin</c> ⇒ <c>review</c> ⇒ <c>read</c>, and <c>admin</c> ⇒ <c>submit</c>. <c>submit</c>
/// implies nothing: an upload system's key reads its own media only when it also holds <c>read</c>.
/// Tenancy: a caller sees only its own client's media unless it holds a <see cref="CrossTenant"/> scope.
/// </summary>
public static class ModerationScopes
{
    /// <summary>Submit media (upload, by URL, webhook) and erase this client's own media.</summary>
    public const string Submit = "submit";

    /// <summary>Read this client's media, verdicts, statistics and policies.</summary>
    public const string Read = "read";

    /// <summary>Work the review queue, across every client.</summary>
    public const string Review = "review";

    /// <summary>Everything: keys, policies, models, legal holds, audit log, any client's media.</summary>
    public const string Admin = "admin";

    /// <summary>Every scope a key can be granted, in the order they are listed to people.</summary>
    public static IReadOnlyList<string> All { get; } = [Submit, Read, Review, Admin];

    /// <summary>
    /// Scopes that see every client's media (a global reviewer or administrator). They are named here one by one and
    /// never derived: results records every read of another client's medium made on their strength in its audit log.
    /// </summary>
    public static IReadOnlySet<string> CrossTenant { get; } = new[] { Review, Admin }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>What a grant implies directly; the closure is taken in <see cref="Effective"/>.</summary>
    private static readonly FrozenDictionary<string, string[]> Implies = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Admin] = [Review, Submit],
        [Review] = [Read],
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string> Known = All.ToFrozenSet(StringComparer.Ordinal);

    public static bool IsKnown(string scope) => Known.Contains(scope);

    /// <summary>Every known scope that <paramref name="granted"/> amounts to: the grants and all they imply.</summary>
    public static IReadOnlySet<string> Effective(IEnumerable<string> granted)
    {
        ArgumentNullException.ThrowIfNull(granted);
        var effective = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(granted.Where(IsKnown));
        while (pending.TryPop(out var scope))
        {
            if (effective.Add(scope) && Implies.TryGetValue(scope, out var implied))
            {
                foreach (var next in implied)
                {
                    pending.Push(next);
                }
            }
        }

        return effective;
    }

    /// <summary>Whether holding <paramref name="granted"/> allows what <paramref name="required"/> allows.</summary>
    public static bool Allows(IEnumerable<string> granted, string required) => Effective(granted).Contains(required);

    /// <summary>Whether <paramref name="granted"/> sees every client's media.</summary>
    public static bool SeesEveryClient(IEnumerable<string> granted) => Effective(granted).Overlaps(CrossTenant);
}
