using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using k8s;

namespace HomeOps.Tests.Support;

/// <summary>
/// One real API server for every test in the "apiserver" collection: put <c>[Collection("apiserver")]</c> on a
/// test class and take an <see cref="ApiServerFixture"/> in its constructor.
/// </summary>
[CollectionDefinition("apiserver")]
public sealed class ApiServerCollection : ICollectionFixture<ApiServerFixture>;

/// <summary>
/// A real kube-apiserver (Debian's kubernetes 1.20 source, built by tests/apiserver/build.sh and cached outside the
/// repository) backed by a real etcd (Debian's etcd-server), both on 127.0.0.1 with free ports, for the parts of
/// homeops that talk to the Kubernetes API. Nothing else runs: no controller manager, scheduler or kubelet, so the
/// test plays the controllers (creates Nodes, sets conditions through the status subresources).
/// <para>
/// Authentication is a static bearer token (<see cref="Token"/>, user <c>homeops-admin</c> in group
/// <c>system:masters</c>) with RBAC authorization; the serving certificate is self-signed by the API server, and
/// <see cref="KubeconfigPath"/> says <c>insecure-skip-tls-verify: true</c>.
/// </para>
/// <para>
/// Every test starts with <c>api.Require();</c> (and is a <c>[SkippableFact]</c>). When the binary is not built that
/// fails the test with a message naming tests/apiserver/build.sh, unless <c>HOMEOPS_SKIP_APISERVER=1</c>, when the
/// test is reported as skipped with the reason (CI fails on any skip). <c>HOMEOPS_KUBE_APISERVER</c> and
/// <c>HOMEOPS_ETCD</c> override the binaries' paths.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit disposes it through IAsyncLifetime.DisposeAsync")]
public sealed class ApiServerFixture : IAsyncLifetime
{
    public const string Token = "homeops-test-admin-token";
    public const string User = "homeops-admin";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private readonly List<Child> _children = [];
    private TempDir? _temp;
    private string? _shmDir;
    private Kubernetes? _client;
    private string? _failure;
    private readonly Lazy<Task> _fluxCrds;
    private readonly Lazy<Task> _dayTwoCrds;

    public ApiServerFixture()
    {
        _fluxCrds = new(() => TestCrds.InstallAsync(Client, TestCrds.Flux));
        _dayTwoCrds = new(() => TestCrds.InstallAsync(Client, TestCrds.DayTwo));
    }

    /// <summary>Why the API server is not running (null when it is).</summary>
    public string? Unavailable => _failure;

    /// <summary>https://127.0.0.1:PORT</summary>
    public string Server { get; private set; } = "";

    /// <summary>A kubeconfig file for the running API server (context <c>homeops-test</c>, token auth).</summary>
    public string KubeconfigPath { get; private set; } = "";

    /// <summary>A client built from <see cref="KubeconfigPath"/>, as the engine would build one.</summary>
    public Kubernetes Client => _client ?? throw new InvalidOperationException(_failure ?? "the API server is not started");

    /// <summary>The binary this fixture runs: HOMEOPS_KUBE_APISERVER, else the cache path build.sh writes.</summary>
    public static string ApiServerBinary
    {
        get
        {
            var overridden = Environment.GetEnvironmentVariable("HOMEOPS_KUBE_APISERVER");
            if (!string.IsNullOrEmpty(overridden)) return overridden;
            var cache = Environment.GetEnvironmentVariable("HOMEOPS_CACHE");
            if (string.IsNullOrEmpty(cache))
                cache = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "homeops");
            return Path.Combine(cache, $"kube-apiserver-{Version}", "kube-apiserver");
        }
    }

    /// <summary>The upstream Kubernetes version built (tests/apiserver/VERSION).</summary>
    public static string Version => File.ReadAllText(Path.Combine(Repo.Root, "tests", "apiserver", "VERSION")).Trim();

    /// <summary>build.sh writes its recipe revision (tests/apiserver/RECIPE) beside the binary; an overridden binary is taken as is.</summary>
    private static bool CurrentRecipe(string apiserver)
    {
        if (Environment.GetEnvironmentVariable("HOMEOPS_KUBE_APISERVER") is { Length: > 0 }) return true;
        var stamp = Path.Combine(Path.GetDirectoryName(apiserver)!, "recipe");
        var recipe = File.ReadAllText(Path.Combine(Repo.Root, "tests", "apiserver", "RECIPE")).Trim();
        return File.Exists(stamp) && File.ReadAllText(stamp).Trim() == recipe;
    }

    private static bool SkipWhenMissing => Environment.GetEnvironmentVariable("HOMEOPS_SKIP_APISERVER") == "1";

    /// <summary>
    /// Fails the test when the API server could not start (its log tail says why), or skips it, with the reason, when the
    /// binaries are missing and HOMEOPS_SKIP_APISERVER=1.
    /// </summary>
    public void Require()
    {
        if (_client is not null)
        {
            // a crash mid-run fails every later test with the crashed process's own last words
            if (_children.FirstOrDefault(c => c.Exited) is { } dead)
                throw new Xunit.Sdk.XunitException($"{dead.Name} exited with {dead.ExitCode} during the test run; its output ends:\n{dead.Tail(60)}");
            return;
        }
        Skip.If(_missingBinaries && SkipWhenMissing, $"HOMEOPS_SKIP_APISERVER=1: {_failure}");
        throw new Xunit.Sdk.XunitException(_failure ?? "the API server fixture was not initialized");
    }

    private bool _missingBinaries;

    public async Task InitializeAsync()
    {
        var apiserver = ApiServerBinary;
        var etcd = Environment.GetEnvironmentVariable("HOMEOPS_ETCD") is { Length: > 0 } e ? e : FindOnPath("etcd");
        var problem = !File.Exists(apiserver) ? $"kube-apiserver {Version} is not built ({apiserver} is missing)"
            : !CurrentRecipe(apiserver) ? $"{apiserver} was built by an older tests/apiserver/build.sh"
            : etcd is null ? "etcd is not installed" : null;
        if (problem is not null)
        {
            _missingBinaries = true;
            _failure = problem
                + ": run tests/apiserver/build.sh (builds kube-apiserver from Debian's kubernetes source into the cache, "
                + "about 4 minutes once per machine, and installs etcd-server), or set HOMEOPS_SKIP_APISERVER=1 to skip "
                + "the API server tests";
            return;
        }
        Exception? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)   // a free port can be taken between probing and binding
        {
            try
            {
                await StartAsync(apiserver, etcd!);
                return;
            }
            catch (Exception ex) when (attempt < 3 && ex is PortRaceException)
            {
                last = ex;
                await StopAsync();
            }
            catch (Exception ex)
            {
                last = ex;
                break;
            }
        }
        _failure = $"the API server did not start: {last?.Message}";
        await StopAsync();
    }

    public async Task DisposeAsync() => await StopAsync();

    /// <summary>Installs Flux's CRDs (<see cref="TestCrds"/>) once per fixture and waits until they are served.</summary>
    public Task InstallFluxCrdsAsync() => _fluxCrds.Value;

    /// <summary>Installs the day-2 CRDs (<see cref="TestCrds.DayTwo"/>: Longhorn, cert-manager, Cilium BGP) once per fixture.</summary>
    public Task InstallDayTwoCrdsAsync() => _dayTwoCrds.Value;

    /// <summary>A fresh namespace with a unique name, for a test's namespaced objects.</summary>
    public async Task<string> CreateNamespaceAsync(string prefix = "t")
    {
        var name = $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        await Client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new() { Name = name } });
        return name;
    }

    private async Task StartAsync(string apiserverPath, string etcdPath)
    {
        _temp = new TempDir();
        // etcd fsyncs every write: on tmpfs that costs nothing
        _shmDir = Directory.Exists("/dev/shm") ? Path.Combine("/dev/shm", $"homeops-etcd-{Guid.NewGuid():N}") : null;
        var etcdData = _shmDir ?? _temp.File("etcd");
        var (clientPort, peerPort, securePort) = (FreePort(), FreePort(), FreePort());

        var etcd = Child.Start("etcd", etcdPath, _temp.File("etcd.log"),
            "--name", "homeops-test",
            "--data-dir", etcdData,
            "--listen-client-urls", $"http://127.0.0.1:{clientPort}",
            "--advertise-client-urls", $"http://127.0.0.1:{clientPort}",
            "--listen-peer-urls", $"http://127.0.0.1:{peerPort}",
            "--initial-advertise-peer-urls", $"http://127.0.0.1:{peerPort}",
            "--initial-cluster", $"homeops-test=http://127.0.0.1:{peerPort}",
            "--initial-cluster-state", "new",
            "--listen-metrics-urls", "",
            "--logger", "zap", "--log-level", "warn");
        _children.Add(etcd);
        using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) })
            await WaitUntil(etcd, async () =>
                (await http.GetStringAsync($"http://127.0.0.1:{clientPort}/health")).Contains("\"health\":\"true\""), "etcd /health");

        File.WriteAllText(_temp.File("tokens.csv"), $"{Token},{User},homeops-admin-uid,\"system:masters\"\n");
        var key = _temp.File("sa.key");
        var pub = _temp.File("sa.pub");
        Run("openssl", "genrsa", "-out", key, "2048");
        Run("openssl", "rsa", "-in", key, "-pubout", "-out", pub);

        var apiserver = Child.Start("kube-apiserver", apiserverPath, _temp.File("kube-apiserver.log"),
            "--etcd-servers", $"http://127.0.0.1:{clientPort}",
            "--bind-address", "127.0.0.1",
            "--advertise-address", "127.0.0.1",
            "--secure-port", securePort.ToString(),
            "--cert-dir", _temp.File("certs"),
            "--token-auth-file", _temp.File("tokens.csv"),
            "--authorization-mode", "RBAC",
            "--service-account-issuer", "https://kubernetes.default.svc.cluster.local",
            "--service-account-key-file", pub,
            "--service-account-signing-key-file", key,
            // dual-stack like the reference cluster (clusterSvcNets), so Services, Pods and Nodes can carry both families;
            // 1.20 gates dual-stack (alpha) and otherwise drops the second pod IP, podCIDR and cluster IP
            "--service-cluster-ip-range", "10.96.0.0/12,fd47:25e1:2f96:51:1000::/108",
            "--feature-gates", "IPv6DualStack=true",
            // no controller manager mints service account tokens: pods must not need one
            "--disable-admission-plugins", "ServiceAccount",
            "--endpoint-reconciler-type", "none",
            "--allow-privileged=true",   // boolean flags take =value only
            "--profiling=false",
            "--logtostderr=true", "-v", "0");
        _children.Add(apiserver);
        Server = $"https://127.0.0.1:{securePort}";

        using (var http = InsecureHttp())
            await WaitUntil(apiserver, async () =>
            {
                using var response = await http.GetAsync($"{Server}/readyz");
                return response.StatusCode == HttpStatusCode.OK;
            }, "kube-apiserver /readyz");

        KubeconfigPath = _temp.File("kubeconfig");
        File.WriteAllText(KubeconfigPath, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: homeops-test
              cluster:
                server: {Server}
                insecure-skip-tls-verify: true
            users:
            - name: {User}
              user:
                token: {Token}
            contexts:
            - name: homeops-test
              context:
                cluster: homeops-test
                user: {User}
                namespace: default
            current-context: homeops-test
            """);
        _client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

        // the bootstrap controller creates "default" shortly after /readyz; namespaced tests need it
        await WaitUntil(apiserver, async () =>
        {
            try { await _client.CoreV1.ReadNamespaceAsync("default"); return true; }
            catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound) { return false; }
        }, "namespace default");
    }

    private static HttpClient InsecureHttp() => new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
    {
        Timeout = TimeSpan.FromSeconds(5),
        DefaultRequestHeaders = { Authorization = new("Bearer", Token) },
    };

    private static async Task WaitUntil(Child child, Func<Task<bool>> ready, string what)
    {
        var deadline = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(50);
        Exception? last = null;
        while (deadline.Elapsed < StartTimeout)
        {
            if (child.Exited)
            {
                var tail = child.Tail();
                var message = $"{child.Name} exited with {child.ExitCode} before {what} answered; its output ends:\n{tail}";
                throw tail.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new PortRaceException(message) : new InvalidOperationException(message);
            }
            try
            {
                if (await ready()) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException or k8s.Autorest.HttpOperationException)
            {
                last = ex;
            }
            await Task.Delay(delay);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 1.5, 500));
        }
        throw new TimeoutException($"{what} not ready after {StartTimeout.TotalSeconds:0} s (last error: {last?.Message}); {child.Name} output ends:\n{child.Tail()}");
    }

    private async Task StopAsync()
    {
        _client?.Dispose();
        _client = null;
        for (var i = _children.Count - 1; i >= 0; i--) await _children[i].StopAsync();   // apiserver before etcd
        _children.Clear();
        _temp?.Dispose();
        _temp = null;
        if (_shmDir is not null)
        {
            try { Directory.Delete(_shmDir, recursive: true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            _shmDir = null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private void Run(string file, params string[] arguments)
    {
        var result = Process.Run(file, _temp!.Path, arguments);
        if (result.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed: {result.Output}");
    }

    private sealed class PortRaceException(string message) : Exception(message);

    /// <summary>A long-running child process whose output goes to a log file.</summary>
    private sealed class Child
    {
        private readonly System.Diagnostics.Process _process;
        private readonly StreamWriter _log;
        private readonly Lock _gate = new();

        private Child(string name, System.Diagnostics.Process process, string logPath, StreamWriter log) =>
            (Name, _process, Log, _log) = (name, process, logPath, log);

        public string Name { get; }
        public string Log { get; }
        public bool Exited => _process.HasExited;
        public int ExitCode => _process.ExitCode;

        public static Child Start(string name, string file, string logPath, params string[] arguments)
        {
            var info = new ProcessStartInfo(file)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,   // closed at once: the child never reads the test's stdin
                UseShellExecute = false,
            };
            foreach (var a in arguments) info.ArgumentList.Add(a);
            var log = new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
            var process = new System.Diagnostics.Process { StartInfo = info };
            var child = new Child(name, process, logPath, log);
            process.OutputDataReceived += (_, e) => child.Write(e.Data);
            process.ErrorDataReceived += (_, e) => child.Write(e.Data);
            process.Start();
            process.StandardInput.Close();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return child;
        }

        private void Write(string? line)
        {
            if (line is null) return;
            lock (_gate)
            {
                try { _log.WriteLine(line); }
                catch (ObjectDisposedException) { }
            }
        }

        public string Tail(int lines = 30)
        {
            lock (_gate)
            {
                try
                {
                    using var reader = new StreamReader(new FileStream(Log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                    var all = reader.ReadToEnd().Split('\n');
                    // a Go crash dumps every goroutine: its cause is at the start of the dump, not the end
                    var crash = Array.FindIndex(all, l => l.StartsWith("panic:", StringComparison.Ordinal) || l.StartsWith("fatal error:", StringComparison.Ordinal));
                    return crash >= 0 ? string.Join('\n', all.Skip(Math.Max(0, crash - 5)).Take(lines)) : string.Join('\n', all.TakeLast(lines));
                }
                catch (IOException ex) { return $"(log unreadable: {ex.Message})"; }
            }
        }

        public async Task StopAsync()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill(entireProcessTree: true);
                    using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                    await _process.WaitForExitAsync(cts.Token);
                }
            }
            catch (InvalidOperationException) { }
            catch (OperationCanceledException) { }
            lock (_gate) _log.Dispose();
            _process.Dispose();
        }
    }
}
