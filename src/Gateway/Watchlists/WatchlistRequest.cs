using System.Globalization;
using System.Text.Json;
using VideoCoca.Persistence.Entities;

namespace VideoCoca.Gateway.Watchlists;

/// <summary>A new list's rule as the request gave it, checked: its kind, its text, its threshold (null for a phrase).</summary>
public sealed record RuleRequest(WatchRuleKind Kind, string Text, double? Threshold);

/// <summary>A checked <c>POST /api/watchlists</c> body.</summary>
public sealed record WatchlistRequest(string Name, IReadOnlyList<RuleRequest> Rules)
{
    /// <summary>A label rule's confidence when the request gives none.</summary>
    public const double DefaultMinConfidence = 0.5;

    /// <summary>A query rule's cosine score when the request gives none.</summary>
    public const double DefaultMinScore = 0.5;

    /// <summary>
    /// Reads the body field by field, so that every mistake is named as the client wrote it ("rules[1].min_confidence").
    /// </summary>
    /// <returns>The request, or the errors by field.</returns>
    public static (WatchlistRequest? Request, Dictionary<string, string[]> Errors) Parse(JsonElement body, WatchlistOptions options)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors.TryAdd(field, [message]);
        if (body.ValueKind != JsonValueKind.Object)
        {
            Error("body", "the body must be a JSON object {\"name\", \"rules\"}");
            return (null, errors);
        }
        foreach (var property in body.EnumerateObject().Where(p => p.Name is not ("name" or "rules")))
        {
            Error(property.Name, $"'{property.Name}' is not a field of a watchlist (name, rules)");
        }
        var name = Text(body, "name", "name", options.MaxNameLength, Error);
        var rules = new List<RuleRequest>();
        if (!body.TryGetProperty("rules", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            Error("rules", "rules must be an array of rules");
        }
        else if (list.GetArrayLength() is 0)
        {
            Error("rules", "a watchlist needs at least one rule");
        }
        else if (list.GetArrayLength() > options.MaxRules)
        {
            Error("rules", $"a watchlist has at most {options.MaxRules} rules, not {list.GetArrayLength()}");
        }
        else
        {
            var index = 0;
            foreach (var rule in list.EnumerateArray())
            {
                if (ParseRule(rule, $"rules[{index}]", options, Error) is { } parsed)
                {
                    rules.Add(parsed);
                }
                index++;
            }
        }
        return errors.Count == 0 ? (new WatchlistRequest(name!, rules), errors) : (null, errors);
    }

    private static RuleRequest? ParseRule(JsonElement rule, string path, WatchlistOptions options, Action<string, string> error)
    {
        if (rule.ValueKind != JsonValueKind.Object)
        {
            error(path, $"{path} must be an object with a kind: label, phrase or query");
            return null;
        }
        var kindText = rule.TryGetProperty("kind", out var kindValue) && kindValue.ValueKind == JsonValueKind.String ? kindValue.GetString() : null;
        (WatchRuleKind Kind, string TextField, string? ThresholdField, double Min, double Default)? shape = kindText switch
        {
            "label" => (WatchRuleKind.Label, "label", "min_confidence", 0.0, DefaultMinConfidence),
            "phrase" => (WatchRuleKind.Phrase, "phrase", null, 0.0, 0.0),
            "query" => (WatchRuleKind.Query, "query", "min_score", -1.0, DefaultMinScore),
            _ => null,
        };
        if (shape is not { } s)
        {
            error($"{path}.kind", $"{path}.kind must be label, phrase or query");
            return null;
        }
        var ok = true;
        foreach (var property in rule.EnumerateObject().Where(p => p.Name != "kind" && p.Name != s.TextField && p.Name != s.ThresholdField))
        {
            error($"{path}.{property.Name}", $"'{property.Name}' is not a field of a {kindText} rule");
            ok = false;
        }
        var text = Text(rule, s.TextField, $"{path}.{s.TextField}", options.MaxTextLength, (f, m) => { error(f, m); ok = false; });
        double? threshold = null;
        if (s.ThresholdField is { } field)
        {
            threshold = s.Default;
            if (rule.TryGetProperty(field, out var value))
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || number < s.Min || number > 1)
                {
                    error($"{path}.{field}", string.Create(CultureInfo.InvariantCulture, $"{path}.{field} must be a number from {s.Min} to 1"));
                    ok = false;
                }
                else
                {
                    threshold = number;
                }
            }
        }
        return ok ? new RuleRequest(s.Kind, text!, threshold) : null;
    }

    /// <summary>A required string field, trimmed, not empty, at most <paramref name="max"/> characters.</summary>
    private static string? Text(JsonElement owner, string property, string field, int max, Action<string, string> error)
    {
        if (!owner.TryGetProperty(property, out var value) || value.ValueKind != JsonValueKind.String)
        {
            error(field, $"{field} must be a string");
            return null;
        }
        var text = value.GetString()!.Trim();
        if (text.Length == 0)
        {
            error(field, $"{field} must not be empty");
            return null;
        }
        if (text.Length > max)
        {
            error(field, $"{field} has {text.Length} characters, more than the {max} allowed");
            return null;
        }
        return text;
    }
}
