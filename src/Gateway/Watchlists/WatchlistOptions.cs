namespace VideoCoca.Gateway.Watchlists;

/// <summary>The <c>Watchlists</c> configuration section: limits on a list, and how the catalogue pass runs.</summary>
public sealed class WatchlistOptions
{
    public const string SectionName = "Watchlists";

    /// <summary>Rules one list may have.</summary>
    public int MaxRules { get; set; } = 50;

    /// <summary>Characters of a label, phrase or query (the column holds 500).</summary>
    public int MaxTextLength { get; set; } = 200;

    /// <summary>Characters of a list's name (the column holds 200).</summary>
    public int MaxNameLength { get; set; } = 200;

    /// <summary>How often the catalogue pass looks for pending lists besides being woken by a new one (other gateways' lists, retakes).</summary>
    public TimeSpan BackfillPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A running pass whose gateway has not renewed its claim for this long is taken over by another gateway (the claim
    /// is renewed after every page, so this only needs to exceed one page's time).
    /// </summary>
    public TimeSpan BackfillClaimTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Clip results matched per transaction of the catalogue pass.</summary>
    public int BackfillPageSize { get; set; } = 500;

    public IEnumerable<string> Validate()
    {
        if (MaxRules is < 1 or > 1000) yield return "Watchlists:MaxRules must be between 1 and 1000";
        if (MaxTextLength is < 1 or > 500) yield return "Watchlists:MaxTextLength must be between 1 and 500";
        if (MaxNameLength is < 1 or > 200) yield return "Watchlists:MaxNameLength must be between 1 and 200";
        if (BackfillPollInterval <= TimeSpan.Zero) yield return "Watchlists:BackfillPollInterval must be positive";
        if (BackfillClaimTimeout <= TimeSpan.Zero) yield return "Watchlists:BackfillClaimTimeout must be positive";
        if (BackfillPageSize is < 1 or > 100_000) yield return "Watchlists:BackfillPageSize must be between 1 and 100000";
    }
}
