using System.Text;
using System.Text.Json.Nodes;
using HomeOps.Adapters.Schemas;
using HomeOps.Model;
using HomeOps.Model.Yaml;
using HomeOps.Tests.Support;
using HomeOps.Validate.Schema;

namespace HomeOps.Tests.Talos;

/// <summary>The real CLI on a copy of the reference cluster, as an operator runs it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
[Trait(Category.Name, Category.EndToEnd)]
public sealed class GenConfigEndToEndTests : IDisposable
{
    private readonly TempDir _temp = new();
    private readonly string _repo;
    private readonly string _schemas = Repo.Schemas;

    public GenConfigEndToEndTests() => _repo = Repo.CopyReference(_temp);

    public void Dispose() => _temp.Dispose();

    private ProcessResult GenSecretAndConfig()
    {
        var secret = Process.HomeOps(_repo, "talos", "gensecret");
        Assert.True(secret.ExitCode == 0, secret.Output);
        return Process.HomeOps(_repo, "talos", "genconfig", "--schema-location", _schemas);
    }

    private static string[] Rendered => ["home-ops-mini01.yaml", "home-ops-mini02.yaml", "home-ops-mini03.yaml", "talosconfig"];

    [Fact]
    public void WritesThreeControlPlaneConfigsAndTalosconfigWithMode0600()
    {
        var result = GenSecretAndConfig();
        Assert.True(result.ExitCode == 0, result.Output);
        foreach (var file in Rendered.Append("../../talsecret.yaml"))
        {
            var path = Path.Combine(_repo, "talos", "clusterconfig", file);
            Assert.True(File.Exists(path), $"{file} missing");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
        foreach (var node in Rendered[..3])
        {
            var machine = Documents(Path.Combine(_repo, "talos", "clusterconfig", node))[0]["machine"]!;
            Assert.Equal("controlplane", machine["type"]!.GetValue<string>());
            Assert.StartsWith("factory.talos.dev/metal-installer/", machine["install"]!["image"]!.GetValue<string>());
            Assert.Equal("APPLE*", machine["install"]!["diskSelector"]!["model"]!.GetValue<string>());
        }
    }

    private static List<JsonNode> Documents(string path)
    {
        var findings = new FindingBag();
        var documents = YamlDocuments.Parse(File.ReadAllText(path), path, findings).Select(d => YamlJson.ToJson(d.RootNode)!).ToList();
        Assert.Empty(findings.Sorted());
        return documents;
    }

    [Fact]
    public void EveryDocumentValidatesAgainstTheTalos110SchemaTwice()
    {
        Assert.True(GenSecretAndConfig().ExitCode == 0);
        var configs = Rendered[..3].Select(f => Path.Combine(_repo, "talos", "clusterconfig", f)).ToList();

        // Our validator, reading the written files back
        var validator = new TalosSchemaValidator(new SchemaStore([_schemas], _temp.File("cache")), "v1.10");
        Assert.True(validator.Available);
        var findings = new FindingBag();
        var kinds = new List<string>();
        foreach (var config in configs)
            foreach (var document in Documents(config))
            {
                kinds.Add(document["kind"]?.GetValue<string>() ?? "v1alpha1");
                validator.Validate(document.AsObject(), config, findings);
            }
        Assert.Empty(findings.Sorted());
        Assert.Equal(["v1alpha1", "ExtensionServiceConfig", "UserVolumeConfig"], kinds.Distinct()); // talhelper's order (multidocs.go)

        // An independent implementation: Python's jsonschema (Draft 2020-12) on the same files
        var script = """
            import json, sys, yaml, jsonschema
            schema = json.load(open(sys.argv[1]))
            validator = jsonschema.Draft202012Validator(schema)
            count = 0
            for path in sys.argv[2:]:
                for doc in yaml.safe_load_all(open(path)):
                    errors = list(validator.iter_errors(doc))
                    for e in errors: print(path, list(e.absolute_path), e.message)
                    if errors: sys.exit(1)
                    count += 1
            print(count, "documents valid")
            """;
        var python = Process.Run("python3", _repo, ["-c", script, Path.Combine(_schemas, "talos", "v1.10", "config.schema.json"), .. configs]);
        Assert.True(python.ExitCode == 0, python.Output);
        Assert.Contains("9 documents valid", python.Stdout);
    }

    [Fact]
    public void CertificatesVerifyWithOpenSslAndTheOsCaIsEd25519()
    {
        Assert.True(GenSecretAndConfig().ExitCode == 0);
        var bundle = Documents(Path.Combine(_repo, "talsecret.yaml"))[0];
        var certs = bundle["certs"]!;
        foreach (var ca in new[] { "etcd", "k8s", "k8saggregator", "os" })
        {
            var pem = _temp.Write($"pki/{ca}.crt", Decode(certs[ca]!["crt"]!));
            var verify = Process.Run("openssl", _repo, "verify", "-CAfile", pem, pem);
            Assert.True(verify.ExitCode == 0, $"{ca}: {verify.Output}");
            var text = Process.Run("openssl", _repo, "x509", "-in", pem, "-noout", "-text").Stdout;
            Assert.Contains("CA:TRUE", text);
            Assert.Contains(ca == "os" ? "ED25519" : "id-ecPublicKey", text);
            var key = _temp.Write($"pki/{ca}.key", Decode(certs[ca]!["key"]!));
            // the key belongs to the certificate
            var fromKey = Process.Run("openssl", _repo, "pkey", "-in", ca == "os" ? Pkcs8(key) : key, "-pubout").Stdout;
            var fromCert = Process.Run("openssl", _repo, "x509", "-in", pem, "-noout", "-pubkey").Stdout;
            Assert.Equal(fromCert, fromKey);
        }
        var serviceAccount = _temp.Write("pki/sa.key", Decode(certs["k8sserviceaccount"]!["key"]!));
        var rsa = Process.Run("openssl", _repo, "rsa", "-in", serviceAccount, "-check", "-noout", "-text");
        Assert.True(rsa.ExitCode == 0, rsa.Output);
        Assert.Contains("4096 bit", rsa.Output);

        // the talosconfig admin certificate is an os:admin client cert issued by the OS CA
        var context = Documents(Path.Combine(_repo, "talos", "clusterconfig", "talosconfig"))[0]["contexts"]!["home-ops"]!;
        var admin = _temp.Write("pki/admin.crt", Decode(context["crt"]!));
        var chain = Process.Run("openssl", _repo, "verify", "-purpose", "sslclient", "-CAfile", _temp.File("pki/os.crt"), admin);
        Assert.True(chain.ExitCode == 0, chain.Output);
        Assert.Contains("O = os:admin", Process.Run("openssl", _repo, "x509", "-in", admin, "-noout", "-subject").Stdout);
        Assert.Equal(["172.29.51.11", "172.29.51.12", "172.29.51.13"], context["endpoints"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    /// <summary>Talos labels Ed25519 keys "ED25519 PRIVATE KEY"; the bytes are PKCS#8, which openssl reads as "PRIVATE KEY".</summary>
    private string Pkcs8(string path) => _temp.Write(Path.GetFileName(path) + ".pk8",
        File.ReadAllText(path).Replace("ED25519 PRIVATE KEY", "PRIVATE KEY"));

    private static string Decode(JsonNode value) => Encoding.ASCII.GetString(Convert.FromBase64String(value.GetValue<string>()));

    [Fact]
    public void RefusesToWriteSecretsToATrackedPathAndLeavesItUntouched()
    {
        File.WriteAllText(Path.Combine(_repo, "talsecret.yaml"), "placeholder\n");
        Process.Run("git", _repo, "add", "-f", "talsecret.yaml");
        var result = Process.HomeOps(_repo, "talos", "gensecret", "--force");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Git tracks it", result.Stderr);
        Assert.Equal("placeholder\n", File.ReadAllText(Path.Combine(_repo, "talsecret.yaml")));
    }

    [Fact]
    public void RefusesToOverwriteAnExistingBundleWithoutForce()
    {
        Assert.Equal(0, Process.HomeOps(_repo, "talos", "gensecret").ExitCode);
        var before = File.ReadAllText(Path.Combine(_repo, "talsecret.yaml"));
        var again = Process.HomeOps(_repo, "talos", "gensecret");
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("already exists", again.Stderr);
        Assert.Equal(before, File.ReadAllText(Path.Combine(_repo, "talsecret.yaml")));
    }

    /// <summary>How "-----BEGIN" starts in base64 (built at run time so this file does not match its own scan).</summary>
    private static readonly string Base64PemPrefix = Convert.ToBase64String("-----BEGIN "u8)[..14];

    [Fact]
    public void NoTrackedFileReceivesKeyMaterial()
    {
        Assert.True(GenSecretAndConfig().ExitCode == 0);
        var status = Process.Run("git", _repo, "status", "--porcelain", "--untracked-files=all");
        Assert.Equal("", status.Stdout.Trim()); // everything written is gitignored
        foreach (var file in Process.Run("git", _repo, "ls-files").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            Assert.DoesNotContain(Base64PemPrefix, File.ReadAllText(Path.Combine(_repo, file)));
    }

    [Fact]
    public void CheckPassesOnTheReferenceAndWritesNothing()
    {
        var result = Process.HomeOps(_repo, "check", "--schema-location", _schemas);
        Assert.True(result.ExitCode == 0, result.Output);
        Assert.Contains("0 errors, 0 warnings", result.Stdout);
        Assert.Contains("mini03", result.Stdout);
        Assert.False(Directory.Exists(Path.Combine(_repo, "talos", "clusterconfig")));
        Assert.False(File.Exists(Path.Combine(_repo, "talsecret.yaml")));
    }

    public static TheoryData<string, string, string, string> BadInputs => new()
    {
        // name, replace this, with that, expected in stderr
        { "malformed YAML", "clusterName: home-ops", "clusterName: [home-ops", "talconfig.yaml:" },
        { "unknown key", "  installDiskSelector:", "  installDiskSelectr:", "did you mean 'installDiskSelector'" },
        { "missing node field", "  - hostname: mini02\n    ipAddress: 172.29.51.12\n", "  - hostname: mini02\n", "missing required key 'ipAddress'" },
        { "invalid CIDR", "  - 10.244.0.0/16", "  - 10.244.0.0/40", "not a valid network CIDR" },
        { "invalid IP", "ipAddress: 172.29.51.13", "ipAddress: 172.29.51.313", "not an IP address" },
        { "duplicate hostname", "hostname: mini03", "hostname: mini01", "duplicate hostname" },
        { "duplicate IP", "ipAddress: 172.29.51.13", "ipAddress: 172.29.51.12", "duplicate ipAddress" },
        { "VIP outside subnet", "ip: 172.29.51.10", "ip: 172.29.61.10", "outside the interface's subnet" },
        { "missing env var", "clusterName: home-ops", "clusterName: ${HOMEOPS_TEST_UNSET}", "variable ${HOMEOPS_TEST_UNSET} is not set" },
        { "unknown Talos line", "talosVersion: v1.10.5", "talosVersion: v1.19.0", "add src/HomeOps.Compile/Talos/Lines/v1.19.yaml" },
        { "impossible Kubernetes/Talos pair", "kubernetesVersion: v1.31.1", "kubernetesVersion: v1.36.0", "Kubernetes v1.36.0 is not supported by Talos v1.10" },
        { "key from a newer talhelper", "  nameservers:", "  dnsOverHttps: true\n  nameservers:", "if a newer talhelper added this one, homeops does not know it yet" },
        { "octal typo", "  nodeLabels:\n", "  machineFiles:\n    - content: x\n      permissions: 0999\n      path: /var/x\n      op: create\n  nodeLabels:\n", "permissions 0999 is not a number: '9' is not an octal digit" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputFailsCleanlyAndWritesNothing(string name, string from, string to, string expected)
    {
        Assert.Equal(0, Process.HomeOps(_repo, "talos", "gensecret").ExitCode);
        var talconfig = Path.Combine(_repo, "talconfig.yaml");
        var original = File.ReadAllText(talconfig);
        Assert.True(original.Contains(from), $"{name}: fixture text not found");
        File.WriteAllText(talconfig, original.Replace(from, to));

        var result = Process.HomeOps(_repo, "talos", "genconfig", "--schema-location", _schemas);
        Assert.True(result.ExitCode == 1, $"{name}: exit {result.ExitCode}\n{result.Output}");
        Assert.Contains(expected, result.Stderr);
        Assert.Matches(@"talconfig\.yaml:\d+:\d+ error ", result.Stderr);
        Assert.DoesNotContain("   at ", result.Output);
        Assert.DoesNotContain("Exception", result.Output);
        Assert.False(Directory.Exists(Path.Combine(_repo, "talos", "clusterconfig")), $"{name}: output was written");
    }

    [Fact]
    public void UnwritableOutputDirectoryFailsCleanlyAndWritesNothing()
    {
        Assert.Equal(0, Process.HomeOps(_repo, "talos", "gensecret").ExitCode);
        // a file where the output directory should be: creating it fails even for root
        File.WriteAllText(Path.Combine(_repo, "talos", "clusterconfig"), "not a directory");
        var result = Process.HomeOps(_repo, "talos", "genconfig", "--schema-location", _schemas);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cannot write output", result.Stderr);
        Assert.Contains("nothing was written", result.Stderr);
        Assert.DoesNotContain("   at ", result.Output);
        Assert.Equal("not a directory", File.ReadAllText(Path.Combine(_repo, "talos", "clusterconfig")));
    }

    [Fact]
    public void GarbledSecretsBundleIsAClearError()
    {
        File.WriteAllText(Path.Combine(_repo, "talsecret.yaml"), "cluster:\n  id: x\n");
        var result = Process.HomeOps(_repo, "talos", "genconfig", "--schema-location", _schemas);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a Talos secrets bundle: missing field cluster.secret", result.Stderr);
    }
}
