using Orleans.Runtime;

namespace VideoCoca.Platform.Tests.Orleans;

/// <summary>A grain with persisted state and a reminder, keyed by a string.</summary>
[Alias("VideoCoca.Platform.Tests.Orleans.ICounterGrain")]
public interface ICounterGrain : IGrainWithStringKey
{
    [Alias("Add")] Task<int> Add(int amount);

    [Alias("Get")] Task<int> Get();

    [Alias("Reset")] Task Reset();

    [Alias("Remind")] Task Remind(string name);

    [Alias("HasReminder")] Task<bool> HasReminder(string name);

    [Alias("Forget")] Task Forget(string name);
}

/// <summary>The same grain reached by a Guid key (its stored row has no key extension).</summary>
[Alias("VideoCoca.Platform.Tests.Orleans.IGuidCounterGrain")]
public interface IGuidCounterGrain : IGrainWithGuidKey
{
    [Alias("Add")] Task<int> Add(int amount);

    [Alias("Get")] Task<int> Get();
}

[GenerateSerializer, Alias("VideoCoca.Platform.Tests.Orleans.CounterState")]
public sealed class CounterState
{
    [Id(0)] public int Value { get; set; }

    [Id(1)] public List<int> Additions { get; set; } = [];
}

public sealed class CounterGrain(
    [PersistentState("counter", OrleansSiloTests.StorageName)] IPersistentState<CounterState> state)
    : Grain, ICounterGrain, IGuidCounterGrain, IRemindable
{
    public async Task<int> Add(int amount)
    {
        state.State.Value += amount;
        state.State.Additions.Add(amount);
        await state.WriteStateAsync();
        return state.State.Value;
    }

    public Task<int> Get() => Task.FromResult(state.State.Value);

    public Task Reset() => state.ClearStateAsync();

    public Task Remind(string name) =>
        this.RegisterOrUpdateReminder(name, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));

    public async Task<bool> HasReminder(string name) => await this.GetReminder(name) is not null;

    public async Task Forget(string name)
    {
        if (await this.GetReminder(name) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => Task.CompletedTask;
}
