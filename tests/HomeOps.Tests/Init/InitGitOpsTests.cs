using HomeOps.Compile.Init;
using HomeOps.Model;
using HomeOps.Tests.Support;
using HomeOps.Tests.Talos;

namespace HomeOps.Tests.Init;

/// <summary>
/// The GitOps files `homeops init` generates from a spec (groundwork: not written by init yet). For the reference spec each is
/// exactly the reference repository's file; other specs get their own values and none of the reference's.
/// </summary>
public sealed class InitGitOpsTests
{
    private static HomeOps.Model.Init.ClusterSpec Spec(string file)
    {
        var findings = new FindingBag();
        var spec = SpecLoader.Load(File.ReadAllText(Path.Combine(Repo.Root, "tests", "fixtures", "init", file)), file, findings);
        Assert.True(spec is not null, string.Join("\n", findings.Sorted()));
        return spec!;
    }

    [Fact]
    public void The_reference_spec_gives_the_reference_file()
    {
        var generated = ClusterSettings.For(Spec("reference.yaml"));
        Assert.Equal("clusters/home-ops/cluster-settings.yaml", generated.Path);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, generated.Path)), generated.Text);
    }

    [Fact]
    public void A_single_node_spec_with_one_cidr_pool_and_no_ipv6()
    {
        var text = ClusterSettings.For(Spec("single-node.yaml")).Text;
        Assert.Contains("  CLUSTER_NAME: solo\n", text);
        Assert.Contains("  ROUTER_IP: 10.0.10.1\n", text);
        Assert.Contains("  BGP_CLUSTER_ASN: \"65010\"\n", text);
        Assert.Contains("  LB_POOL_DEFAULT_START: 10.0.20.0\n  LB_POOL_DEFAULT_STOP: 10.0.20.255\n", text);
        Assert.DoesNotContain("IPV6", text);
        Assert.DoesNotContain("_V6", text);
        Assert.DoesNotContain("INGRESS_PUBLIC_IP", text);
    }

    [Fact]
    public void The_reference_spec_gives_the_reference_pools()
    {
        var generated = LoadBalancerPools.For(Spec("reference.yaml"));
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, generated.Path)), generated.Text);
    }

    [Fact]
    public void One_pool_announced_on_the_node_network_selects_every_service()
    {
        var text = LoadBalancerPools.For(Spec("small-ipv4.yaml")).Text;
        Assert.Contains("  name: l2-default\n", text);
        Assert.Contains("    - start: ${LB_POOL_DEFAULT_START}\n      stop: ${LB_POOL_DEFAULT_STOP}\n  serviceSelector:\n    matchLabels: {}\n", text);
        Assert.DoesNotContain("cidr:", text);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(text, "kind: CiliumLoadBalancerIPPool"));
    }

    [Fact]
    public void The_reference_spec_gives_the_reference_cilium_values()
    {
        var generated = CiliumValues.For(Spec("reference.yaml"));
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, generated.Path)), generated.Text);
    }

    [Fact]
    public void One_ipv4_node_without_bgp_or_sso_gets_l2_announcements_one_operator_and_no_reference_values()
    {
        var spec = Spec("single-node.yaml");
        spec.Bgp = null;
        spec.Components.Sso = false;
        var text = CiliumValues.For(spec).Text;
        Assert.Contains("cluster:\n  name: solo\n", text);
        Assert.Contains("ipv6:\n  enabled: false\n", text);
        Assert.Contains("enableIPv6Masquerade: false\n", text);
        Assert.Contains("bgpControlPlane:\n  enabled: false\nl2announcements:\n  enabled: true\n", text);
        Assert.Contains("operator:\n  replicas: 1\n", text);
        Assert.DoesNotContain("authentik-proxy", text);
        foreach (var reference in new[] { "home-ops", "fd47:", "geoffdavis", "172.29." })
            Assert.DoesNotContain(reference, text);
    }

    [Fact]
    public void With_bgp_the_reference_cilium_kustomization_without_it_an_l2_policy_that_its_schema_accepts()
    {
        var reference = Spec("reference.yaml");
        Assert.Null(CiliumAnnouncements.L2Policy(reference));
        var kustomization = CiliumAnnouncements.Kustomization(reference);
        Assert.Equal(File.ReadAllText(Path.Combine(Repo.Root, kustomization.Path)), kustomization.Text);

        var l2 = Spec("small-ipv4.yaml");
        var policy = CiliumAnnouncements.L2Policy(l2)!;
        Assert.Contains("  - l2-announcements.yaml\n", CiliumAnnouncements.Kustomization(l2).Text);
        Assert.DoesNotContain("bgp.yaml", CiliumAnnouncements.Kustomization(l2).Text);
        // judged as validate judges it: against the CRD schema in ../shared
        using var temp = new TempDir();
        temp.Write(policy.Path, policy.Text);
        var findings = HomeOps.Tests.Validate.RuleFixtures.Run(temp.Path);
        Assert.DoesNotContain(findings, f => f.Rule is "schema/crd" or "schema/unknown-kind" or "yaml/syntax");
        Assert.Equal("CiliumL2AnnouncementPolicy", Golden.Documents(policy.Text).Single()["kind"]!.GetValue<string>());
    }

    [Fact]
    public void Components_left_out_take_their_kustomizations_and_dependencies_with_them()
    {
        var text = ReferenceRepositoryText(FluxChain.ReferencePath);
        Assert.Equal(text, FluxChain.Without(text, FluxChain.LeftOut(Spec("reference.yaml"))));

        var spec = Spec("small-ipv4.yaml"); // no SSO, no tunnel
        spec.Components.Monitoring = false;
        var left = FluxChain.Without(text, FluxChain.LeftOut(spec));
        var documents = Golden.Documents(left);
        var names = documents.Select(d => d["metadata"]!["name"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain("authentik", names);
        Assert.DoesNotContain("cloudflared", names);
        Assert.DoesNotContain("monitoring", names);
        Assert.Contains("longhorn", names);
        // every dependency that is left names a Kustomization that is left
        var dependencies = documents.SelectMany(d => d["spec"]!["dependsOn"]?.AsArray() ?? []).Select(d => d!["name"]!.GetValue<string>()).ToList();
        Assert.All(dependencies, d => Assert.Contains(d, names));
        Assert.Contains("prometheus-operator-crds", dependencies); // the CRDs stay: ServiceMonitors still apply without Prometheus
    }

    private static string ReferenceRepositoryText(string path) => File.ReadAllText(Path.Combine(Repo.Root, path));
}
