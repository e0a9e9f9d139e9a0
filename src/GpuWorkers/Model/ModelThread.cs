using System.Collections.Concurrent;

namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// One long-lived thread that loads the model and runs every forward pass that takes the model gate (batches,
/// answers, re-ranking scores, watchlist rule embeddings). Passes used to run on whichever thread-pool thread awaited
/// the gate, and native memory followed the threads: glibc gives each thread its own
/// malloc arena, so a batch's freed activations stayed in the arena of the thread that ran it, and libgomp keeps one
/// team of OpenMP threads (with torch's thread count) per thread that starts parallel work. On one thread the next
/// batch reuses what the last one freed, and torch runs one team. The caller's execution context flows in, so spans
/// and the CPU account by stage (<see cref="Contracts.Diagnostics.StageCpu"/>) see the work as the caller's.
/// </summary>
public sealed class ModelThread : IDisposable
{
    // Deep enough for a large model's forward pass through TorchSharp's managed frames.
    private const int StackBytes = 16 * 1024 * 1024;
    private readonly BlockingCollection<Action> _work = new();
    private readonly Thread _thread;

    public ModelThread()
    {
        _thread = new Thread(Serve, StackBytes) { IsBackground = true, Name = "model" };
        _thread.Start();
    }

    /// <summary>Whether the calling code runs on the model thread.</summary>
    public bool IsCurrent => Thread.CurrentThread == _thread;

    /// <summary>Runs the work on the model thread (at once when called from it) and returns its result.</summary>
    public Task<T> RunAsync<T>(Func<T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        if (IsCurrent) return Task.FromResult(work());
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var context = ExecutionContext.Capture();
        _work.Add(() =>
        {
            try
            {
                var result = default(T)!;
                if (context is null) result = work();
                else ExecutionContext.Run(context, _ => result = work(), null);
                done.SetResult(result);
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        });
        return done.Task;
    }

    /// <summary>Runs the work on the model thread.</summary>
    public Task RunAsync(Action work)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync(() =>
        {
            work();
            return true;
        });
    }

    private void Serve()
    {
        foreach (var item in _work.GetConsumingEnumerable()) item();
    }

    public void Dispose() => _work.CompleteAdding();
}
