using HomeOps.Model;

namespace HomeOps.Tests.Talos;

/// <summary>
/// What rendering real users' talconfig.yaml files from public repositories turned up, each reduced to a fixture written
/// here (their files are not copied): patch scalars Talos decodes by the field's Go type, a document kind Talos registers
/// but its published schema lacks, and a schema definition that contradicts Talos' own decoder.
/// </summary>
public sealed class RealConfigTests
{
    private static string WithPatch(string talos) =>
        TalhelperParityTests.Version(talos) + "\n    patches:\n      - \"@./p.yaml\"\n";

    public static TheoryData<string> Lines() => ["v1.10.5", "v1.11.5", "v1.12.11", "v1.13.9"];

    [Theory]
    [MemberData(nameof(Lines))]
    public void Sysctls_and_extra_args_written_as_numbers_and_booleans_are_strings_as_talos_reads_them(string talos)
    {
        var (nodes, findings, schema) = TalhelperParityTests.Render(WithPatch(talos), new()
        {
            ["p.yaml"] = """
                machine:
                  sysctls:
                    net.core.bpf_jit_harden: 1
                    vm.nr_hugepages: 1024
                  kubelet:
                    extraArgs:
                      rotate-server-certificates: true
                  files:
                    - {path: /var/etc/a, op: create, content: a, permissions: 0o644}
                    - {path: /var/etc/b, op: create, content: b, permissions: 0644}
                cluster:
                  apiServer:
                    extraArgs:
                      enable-aggregator-routing: true
                """,
        });
        Assert.Empty(findings);
        Assert.Empty(schema);
        var machine = nodes[0][0]["machine"]!;
        Assert.Equal("1", machine["sysctls"]!["net.core.bpf_jit_harden"]!.GetValue<string>());
        Assert.Equal("true", machine["kubelet"]!["extraArgs"]!["rotate-server-certificates"]!.GetValue<string>());
        Assert.Equal("true", nodes[0][0]["cluster"]!["apiServer"]!["extraArgs"]!["enable-aggregator-routing"]!.GetValue<string>());
        Assert.All(machine["files"]!.AsArray(), f => Assert.Equal(420, f!["permissions"]!.GetValue<long>()));
    }

    [Theory]
    [MemberData(nameof(Lines))]
    public void A_logging_destination_endpoint_is_a_url_string_though_the_published_schema_says_object(string talos)
    {
        const string patch = """
            machine:
              logging:
                destinations:
                  - endpoint: "udp://syslog.example.net:6051/"
                    format: json_lines
            """;
        var (nodes, findings, schema) = TalhelperParityTests.Render(WithPatch(talos), new() { ["p.yaml"] = patch });
        Assert.Empty(findings);
        Assert.Empty(schema);
        Assert.Equal("udp://syslog.example.net:6051/", nodes[0][0]["machine"]!["logging"]!["destinations"]![0]!["endpoint"]!.GetValue<string>());

        var (_, _, wrong) = TalhelperParityTests.Render(WithPatch(talos), new() { ["p.yaml"] = patch.Replace("udp://", "http://") });
        Assert.Contains(wrong, f => f.Rule == "schema/talos" && f.Message.Contains("/machine/logging/destinations/0/endpoint"));
    }

    private const string ImageVerification = """
        apiVersion: v1alpha1
        kind: ImageVerificationConfig
        rules:
          - keyless:
              subject: image-factory-signing@talos-production.iam.gserviceaccount.com
              issuer: https://accounts.google.com
            image: "factory.talos.dev/*"
        """;

    [Fact]
    public void ImageVerificationConfig_is_a_talos_1_13_document_its_published_schema_lacks()
    {
        var (nodes, findings, schema) = TalhelperParityTests.Render(WithPatch("v1.13.9"), new() { ["p.yaml"] = ImageVerification });
        Assert.Empty(findings);
        Assert.Empty(schema);
        var document = nodes[0].Single(d => d["kind"]?.GetValue<string>() == "ImageVerificationConfig");
        // written in Talos' field order (types/security/image_verification.go), not sorted
        Assert.Equal(["image", "keyless"], document["rules"]![0]!.AsObject().Select(p => p.Key));
        Assert.Equal(["issuer", "subject"], document["rules"]![0]!["keyless"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public void ImageVerificationConfig_before_1_13_is_refused()
    {
        var (_, findings, _) = TalhelperParityTests.Render(WithPatch("v1.12.11"), new() { ["p.yaml"] = ImageVerification });
        var error = Assert.Single(findings, f => f.Severity == Severity.Error);
        Assert.Equal("talos/document", error.Rule);
        Assert.Contains("Talos v1.12 has no ImageVerificationConfig document", error.Message);
    }
}
