using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace RenderFarm.Fault.Tests.Support;

/// <summary>
/// A minimal TCP relay on loopback between an agent and the coordinator, so a test can break the agent's link:
/// <see cref="Cut"/> resets every open connection and, optionally, resets new ones on arrival; <see cref="Unplug"/>
/// also closes the port, so new connections are refused as by a host that is down. <see cref="Restore"/> heals both.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly FarmLog _log;
    private readonly string _name;
    private readonly ConcurrentDictionary<int, Link> _links = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private Task _accepting = Task.CompletedTask;
    private int _nextId;
    private volatile bool _refusing;

    private sealed record Link(TcpClient Client, TcpClient Server)
    {
        /// <summary>Completed while bytes flow; a pending task while the link is stalled.</summary>
        public TaskCompletionSource Flowing { get; set; } = Open();

        public static TaskCompletionSource Open()
        {
            var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            open.SetResult();
            return open;
        }
    }

    public TcpRelay(string name, int targetPort, FarmLog log)
    {
        _name = name;
        _targetPort = targetPort;
        _log = log;
        Port = Listen(0);
        FreePort.Reserve(Port);
    }

    public int Port { get; }

    /// <summary>The address an agent dials to go through the relay.</summary>
    public string Address => $"http://127.0.0.1:{Port}";

    /// <summary>Connections accepted and relayed since the start (refused ones not counted).</summary>
    public int TotalConnections => Volatile.Read(ref _nextId);

    /// <summary>Resets every relayed connection; with <paramref name="refuseNew"/>, new ones are reset on arrival until <see cref="Restore"/>.</summary>
    public int Cut(bool refuseNew)
    {
        _refusing = refuseNew;
        var cut = ResetAll();
        _log.Add(_name, $"<cut {cut} connection(s){(refuseNew ? ", resetting new ones" : "")}>");
        return cut;
    }

    /// <summary>
    /// Stops every open connection's bytes, both ways, without closing it (a link that hangs: a dead NAT entry, a
    /// pulled cable beyond a switch). New connections flow normally. Returns how many connections it stalled.
    /// </summary>
    public int Stall()
    {
        var stalled = 0;
        foreach (var link in _links.Values)
        {
            link.Flowing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            stalled++;
        }

        _log.Add(_name, $"<stalled {stalled} connection(s)>");
        return stalled;
    }

    /// <summary>Resets every relayed connection and closes the port: new connections are refused (ECONNREFUSED) until <see cref="Restore"/>.</summary>
    public void Unplug()
    {
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
        }

        var cut = ResetAll();
        _log.Add(_name, $"<unplugged: cut {cut} connection(s), port closed>");
    }

    /// <summary>Accepts and relays new connections again (re-opening the same port after <see cref="Unplug"/>).</summary>
    public void Restore()
    {
        _refusing = false;
        lock (_lock)
        {
            if (_listener is null) Listen(Port);
        }

        _log.Add(_name, "<restored>");
    }

    private int Listen(int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _accepting = AcceptAsync(listener);
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private int ResetAll()
    {
        var cut = 0;
        foreach (var (id, link) in _links)
        {
            if (_links.TryRemove(id, out _))
            {
                Reset(link.Client);
                Reset(link.Server);
                cut++;
            }
        }

        return cut;
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }

            if (_refusing)
            {
                Reset(client);
                continue;
            }

            _ = RelayAsync(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient { NoDelay = true };
        client.NoDelay = true;
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            Reset(client);
            server.Dispose();
            return;
        }

        var id = Interlocked.Increment(ref _nextId);
        var link = new Link(client, server);
        _links[id] = link;
        var up = PumpAsync(client, server, link);
        var down = PumpAsync(server, client, link);
        await Task.WhenAny(up, down);
        if (_links.TryRemove(id, out _))
        {
            Reset(client);
            Reset(server);
        }

        await Task.WhenAll(up, down);
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, Link link)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var source = from.GetStream();
            var target = to.GetStream();
            int read;
            while ((read = await source.ReadAsync(buffer, _stop.Token)) > 0)
            {
                // A stalled link holds its bytes for good (it is reset when the test ends).
                await link.Flowing.Task.WaitAsync(_stop.Token);
                await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or SocketException or InvalidOperationException)
        {
            // The other side went away or the link was cut.
        }
    }

    /// <summary>Closes with RST (linger 0): to the peer it looks like a broken network, not a polite close.</summary>
    private static void Reset(TcpClient client)
    {
        try
        {
            client.Client.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        client.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        lock (_lock)
        {
            _listener?.Stop();
            _listener = null;
        }

        ResetAll();
        await _accepting;
        _stop.Dispose();
    }
}
