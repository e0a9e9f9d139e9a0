using System.Diagnostics;

namespace VideoCoca.Generation;

/// <summary>
/// Wall time of a decode's parts (each matrix product, attention, cache write and the token bookkeeping between steps),
/// summed over every step of the generations run while it is current on this thread. For <c>vcp model bench --profile</c>:
/// CPU tensor operations return when they are done, so a clock around each one times it. Nothing is timed, and nothing
/// costs, while no profile is current.
/// </summary>
public sealed class DecodeProfile
{
    [ThreadStatic]
    private static DecodeProfile? _current;

    private readonly Dictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    /// <summary>The profile generations on this thread add to, or null.</summary>
    public static DecodeProfile? Current => _current;

    /// <summary>Decode steps timed (one per generated token of a joint decode, the prompt's step included).</summary>
    public int Steps { get; private set; }

    /// <summary>Makes this profile current on this thread until the result is disposed.</summary>
    public IDisposable Activate()
    {
        var previous = _current;
        _current = this;
        return new Restore(previous);
    }

    /// <summary>Adds the time since <paramref name="startTimestamp"/> (<see cref="Stopwatch.GetTimestamp"/>) to a part.</summary>
    public void Add(string part, long startTimestamp)
    {
        var elapsed = Stopwatch.GetTimestamp() - startTimestamp;
        if (_ticks.TryGetValue(part, out var sum)) _ticks[part] = sum + elapsed;
        else
        {
            _ticks[part] = elapsed;
            _order.Add(part);
        }
    }

    public void CountStep() => Steps++;

    /// <summary>Each part's seconds, in the order the parts were first seen.</summary>
    public IReadOnlyList<(string Part, double Seconds)> Parts =>
        _order.Select(part => (part, _ticks[part] / (double)Stopwatch.Frequency)).ToList();

    /// <summary>Runs <paramref name="operation"/>, adding its time to <paramref name="part"/> of <paramref name="profile"/> when there is one.</summary>
    public static T Time<T>(DecodeProfile? profile, string part, Func<T> operation)
    {
        if (profile is null) return operation();
        var start = Stopwatch.GetTimestamp();
        var result = operation();
        profile.Add(part, start);
        return result;
    }

    private sealed class Restore(DecodeProfile? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
