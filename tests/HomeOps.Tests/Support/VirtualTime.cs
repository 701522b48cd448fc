using Microsoft.Extensions.Time.Testing;

namespace HomeOps.Tests.Support;

/// <summary>
/// Runs async code on one thread against a <see cref="FakeTimeProvider"/>: every continuation is queued here and run in turn,
/// and whenever nothing is left to run the clock jumps to the next timer that falls due (a Task.Delay, a CancellationTokenSource
/// timeout created with <see cref="Clock"/>) and fires it. So waits of minutes take no real time, the order of events is the
/// same on every run, and how busy the machine is cannot change what the code under test sees: time moves only when that code
/// is waiting for it. Code that waits for something that never comes runs into its own deadline, as it would for real.
/// </summary>
public sealed class VirtualTime
{
    public static readonly DateTimeOffset Start = new(2025, 7, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _fake = new(Start);
    private readonly TrackingClock _clock;

    public VirtualTime() => _clock = new TrackingClock(_fake);

    /// <summary>The clock to hand to the code under test.</summary>
    public TimeProvider Clock => _clock;

    /// <summary>How long the run may wait, in real time, for real work (a process) when no timer is pending.</summary>
    public TimeSpan RealWorkLimit { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>The virtual time a run may take before it is declared stuck.</summary>
    public TimeSpan Limit { get; init; } = TimeSpan.FromHours(6);

    public DateTimeOffset Now => _fake.GetUtcNow();

    private int _realWork;

    /// <summary>
    /// Real work the test itself starts (an API call playing the cluster) that must land before time moves on: while any
    /// runs, the clock stands still and the run waits for it. Start it on the run's thread.
    /// </summary>
    public async Task Real(Func<Task> work)
    {
        Interlocked.Increment(ref _realWork);
        try { await work(); }
        finally { Interlocked.Decrement(ref _realWork); }
    }

    public TimeSpan Elapsed => Now - Start;

    public T Run<T>(Func<Task<T>> action)
    {
        var context = new QueueContext();
        var previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        try
        {
            var task = action();
            while (!task.IsCompleted)
            {
                if (context.RunPending()) continue;
                // Nothing runnable. Real I/O may still be completing (it posts here when done): let it in first; the engine's
                // own I/O is synchronous, so this is almost always empty and the clock moves on at once.
                if (context.WaitForWork(TimeSpan.Zero)) continue;
                if (Volatile.Read(ref _realWork) > 0)
                {
                    if (context.WaitForWork(RealWorkLimit)) continue;
                    throw new TimeoutException($"the test's real work did not finish in {RealWorkLimit}");
                }
                if (_clock.NextDue() is not { } due)
                {
                    // no timer: the code waits for real work (a process, a network call) that will post here when done
                    if (context.WaitForWork(RealWorkLimit)) continue;
                    throw new TimeoutException($"the run waited {RealWorkLimit} for real work and has no timer pending: it can never finish");
                }
                if (due - Start > Limit)
                    throw new TimeoutException($"the run was still going after {Limit} of virtual time");
                _fake.SetUtcNow(due > Now ? due : Now);
                _clock.Fired(Now);
            }
            context.RunPending();
            return task.GetAwaiter().GetResult();
        }
        finally { SynchronizationContext.SetSynchronizationContext(previous); }
    }

    public void Run(Func<Task> action) => Run(async () => { await action(); return true; });

    public async Task<T> Real<T>(Func<Task<T>> work)
    {
        Interlocked.Increment(ref _realWork);
        try { return await work(); }
        finally { Interlocked.Decrement(ref _realWork); }
    }

    /// <summary>
    /// <paramref name="inner"/> with every call that returns a task made <see cref="Real"/> work: a real tool or API call then
    /// takes no virtual time, so a timer the test set cannot fire in the middle of it.
    /// </summary>
    public TInterface Wrap<TInterface>(TInterface inner) where TInterface : class
    {
        var proxy = System.Reflection.DispatchProxy.Create<TInterface, RealProxy>();
        ((RealProxy)(object)proxy).Bind(inner, this);
        return proxy;
    }

    /// <summary>Forwards every call; task-returning ones run as <see cref="Real"/> work.</summary>
    public class RealProxy : System.Reflection.DispatchProxy
    {
        private static readonly System.Reflection.MethodInfo RealOfT = typeof(VirtualTime).GetMethods().Single(m => m.Name == nameof(Real) && m.IsGenericMethod);

        private object _inner = null!;
        private VirtualTime _time = null!;

        internal void Bind(object inner, VirtualTime time) => (_inner, _time) = (inner, time);

        protected override object? Invoke(System.Reflection.MethodInfo? targetMethod, object?[]? args)
        {
            var method = targetMethod;
            object? Call()
            {
                try { return method!.Invoke(_inner, args); }
                catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                    throw;
                }
            }
            var type = method!.ReturnType;
            if (type == typeof(Task)) return _time.Real(() => (Task)Call()!);
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
            {
                var result = type.GetGenericArguments()[0];
                var work = typeof(Func<>).MakeGenericType(type);
                var factory = Delegate.CreateDelegate(work, new Thunk(Call), typeof(Thunk).GetMethod(nameof(Thunk.Get))!.MakeGenericMethod(type));
                return RealOfT.MakeGenericMethod(result).Invoke(_time, [factory]);
            }
            return Call();
        }

        private sealed class Thunk(Func<object?> call)
        {
            public T Get<T>() => (T)call()!;
        }
    }

    /// <summary>The fake clock, with the due time of every live timer known, so idle time can jump to the next one.</summary>
    private sealed class TrackingClock(FakeTimeProvider inner) : TimeProvider
    {
        private readonly List<Tracked> _timers = [];

        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
        public override long GetTimestamp() => inner.GetTimestamp();
        public override long TimestampFrequency => inner.TimestampFrequency;
        public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = new Tracked(this, inner.CreateTimer(callback, state, dueTime, period));
            timer.Schedule(inner.GetUtcNow(), dueTime, period);
            lock (_timers) _timers.Add(timer);
            return timer;
        }

        public DateTimeOffset? NextDue()
        {
            lock (_timers) return _timers.Select(t => t.Due).OfType<DateTimeOffset>().Order().Cast<DateTimeOffset?>().FirstOrDefault();
        }

        /// <summary>Moves the bookkeeping past <paramref name="now"/>: one-shot timers are spent, periodic ones move on.</summary>
        public void Fired(DateTimeOffset now)
        {
            lock (_timers) foreach (var timer in _timers) timer.Passed(now);
        }

        public void Forget(Tracked timer)
        {
            lock (_timers) _timers.Remove(timer);
        }

        public sealed class Tracked(TrackingClock owner, ITimer timer) : ITimer
        {
            private TimeSpan _period = Timeout.InfiniteTimeSpan;

            public DateTimeOffset? Due { get; private set; }

            public void Schedule(DateTimeOffset now, TimeSpan dueTime, TimeSpan period)
            {
                Due = dueTime == Timeout.InfiniteTimeSpan ? null : now + dueTime;
                _period = period;
            }

            public void Passed(DateTimeOffset now)
            {
                while (Due is { } due && due <= now)
                    Due = _period == Timeout.InfiniteTimeSpan || _period <= TimeSpan.Zero ? null : due + _period;
            }

            public bool Change(TimeSpan dueTime, TimeSpan period)
            {
                Schedule(owner.GetUtcNow(), dueTime, period);
                return timer.Change(dueTime, period);
            }

            public void Dispose()
            {
                owner.Forget(this);
                timer.Dispose();
            }

            public ValueTask DisposeAsync()
            {
                owner.Forget(this);
                return timer.DisposeAsync();
            }
        }
    }

    private sealed class QueueContext : SynchronizationContext
    {
        private readonly Queue<(SendOrPostCallback Callback, object? State)> _queue = new();
        private readonly object _gate = new();

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_gate)
            {
                _queue.Enqueue((d, state));
                Monitor.PulseAll(_gate);
            }
        }

        public override void Send(SendOrPostCallback d, object? state) => throw new NotSupportedException("synchronous Send on the virtual-time thread");

        /// <summary>Runs everything queued (and what that queues); false when there was nothing.</summary>
        public bool RunPending()
        {
            var ran = false;
            while (true)
            {
                (SendOrPostCallback Callback, object? State) next;
                lock (_gate)
                {
                    if (_queue.Count == 0) return ran;
                    next = _queue.Dequeue();
                }
                next.Callback(next.State);
                ran = true;
            }
        }

        public bool WaitForWork(TimeSpan timeout)
        {
            lock (_gate)
            {
                if (_queue.Count > 0) return true;
                Monitor.Wait(_gate, timeout);
                return _queue.Count > 0;
            }
        }
    }
}
