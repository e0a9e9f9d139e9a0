namespace VideoCoca.GpuWorkers.Model;

/// <summary>
/// One forward pass at a time on a worker's model, with two kinds of waiter: work someone is waiting for (a new upload's
/// batch, a question, a search query) and background work (a campaign's batch). When the model frees, the first urgent
/// waiter goes next, and background work only when none waits; so a new upload waits at most for the one campaign
/// batch already in the model, never for those queued beside it.
/// </summary>
public sealed class ModelGate
{
    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource> _urgent = new();
    private readonly LinkedList<TaskCompletionSource> _background = new();
    private bool _held;

    /// <summary>Whether the model is in use now.</summary>
    public bool IsHeld
    {
        get
        {
            lock (_lock) return _held;
        }
    }

    /// <summary>Waits for the model; dispose the result to free it.</summary>
    public async Task<IDisposable> EnterAsync(bool background = false, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource waiter;
        LinkedListNode<TaskCompletionSource> node;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return new Release(this);
            }
            waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            node = (background ? _background : _urgent).AddLast(waiter);
        }
        await using (cancellationToken.Register(() => Cancel(node)))
        {
            await waiter.Task;
        }
        return new Release(this);
    }

    private void Cancel(LinkedListNode<TaskCompletionSource> node)
    {
        lock (_lock)
        {
            // Still waiting: leave the line. Already handed the model: the caller owns it and will free it.
            if (node.List is null) return;
            node.List.Remove(node);
        }
        node.Value.TrySetCanceled();
    }

    private void Exit()
    {
        TaskCompletionSource? next;
        lock (_lock)
        {
            var line = _urgent.Count > 0 ? _urgent : _background.Count > 0 ? _background : null;
            if (line is null)
            {
                _held = false;
                return;
            }
            next = line.First!.Value;
            line.RemoveFirst();
        }
        // The model passes straight to the next waiter: _held stays true, so no newcomer slips in between.
        next.SetResult();
    }

    private sealed class Release(ModelGate gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Exit();
        }
    }
}
