namespace VideoCoca.Persistence.Access;

/// <summary>The roles a key may have, lowest first: each role may do what the ones before it may.</summary>
public static class ApiKeyRoles
{
    public const string Viewer = "viewer";
    public const string Reviewer = "reviewer";
    public const string Editor = "editor";
    public const string Admin = "admin";

    /// <summary>viewer, reviewer, editor, admin: a role's rank is its index.</summary>
    public static IReadOnlyList<string> Ordered => Ranks;

    private static readonly string[] Ranks = [Viewer, Reviewer, Editor, Admin];

    public static bool IsKnown(string? role) => role is not null && Array.IndexOf(Ranks, role) >= 0;

    /// <summary>Whether a key of <paramref name="role"/> may do what <paramref name="required"/> may.</summary>
    public static bool Includes(string role, string required)
    {
        var need = Array.IndexOf(Ranks, required);
        return need >= 0 && Array.IndexOf(Ranks, role) >= need;
    }
}
