using HomeOps.Compile.Talos;
using HomeOps.Model.Talhelper;

namespace HomeOps.Tests.Talos;

/// <summary>Vectors from siderolabs/image-factory pkg/schematic/schematic_test.go and the factory itself.</summary>
public class SchematicTests
{
    [Fact]
    public void EmptySchematicHasTheFactoryId()
    {
        Assert.Equal("customization: {}\n", SchematicId.Canonical(null));
        Assert.Equal("376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba", SchematicId.Of(null));
        Assert.Equal(SchematicId.Empty, SchematicId.Of(new Schematic { Customization = new SchematicCustomization { ExtraKernelArgs = [] } }));
    }

    [Fact]
    public void ExtraKernelArgs() => Assert.Equal("9cba8e32753f91a16c1837ab8abf356af021706ef284aef07380780177d9a06c",
        SchematicId.Of(new() { Customization = new() { ExtraKernelArgs = ["noapic", "nolapic"] } }));

    [Fact]
    public void MetaListOfMappings() => Assert.Equal("d308a2a5ee2277bed5fbaa104fcbc8d59122abfa737df987a95b4ca763459a7f",
        SchematicId.Of(new() { Customization = new() { Meta = [new MetaValue { Key = new YamlDotNet.RepresentationModel.YamlScalarNode("10"), Value = "foo" }] } }));

    [Fact]
    public void SecureBoot() => Assert.Equal("fa8e05f142a851d3ee568eb0a8e5841eaf6b0ebc8df9a63df16ac5ed2c04f3e6",
        SchematicId.Of(new() { Customization = new() { SecureBoot = new SecureBootCustomization { IncludeWellKnownCertificates = true } } }));

    [Fact]
    public void OfficialExtensionsInOrder()
    {
        var id = SchematicId.Of(new() { Customization = new() { SystemExtensions = new() { OfficialExtensions = ["siderolabs/i915", "siderolabs/intel-ucode"] } } });
        Assert.Equal("4b3cd373a192c8469e859b7a0cfbed3ecc3577c4a2d346a37b0aeff9cd17cdb0", id);
        var reversed = SchematicId.Of(new() { Customization = new() { SystemExtensions = new() { OfficialExtensions = ["siderolabs/intel-ucode", "siderolabs/i915"] } } });
        Assert.NotEqual(id, reversed);
    }
}
