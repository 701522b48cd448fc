using System.Security.Cryptography;
using System.Text;
using HomeOps.Compile.Talhelper;
using HomeOps.Compile.Talos;
using HomeOps.Model;
using HomeOps.Model.Talhelper;
using HomeOps.Tests.Support;

namespace HomeOps.Tests.Talos;

/// <summary>
/// Image Factory schematic IDs. The factory's ID is sha256 of go.yaml.in/yaml/v4's Marshal of its parsed Schematic struct
/// (siderolabs/image-factory pkg/schematic/schematic.go). The vectors below were produced by that algorithm itself: the
/// image-factory Schematic struct (owner, overlay{image, name, options}, customization{embeddedMachineConfiguration,
/// extraKernelArgs, meta{key uint8, value}, systemExtensions, bootloader, secureboot, diskImage}) decoded from each input
/// and marshalled by go.yaml.in/yaml/v4 v4.0.0-rc.5 (the version talhelper's build resolves to), compiled from the yaml/go-yaml
/// mirror; empty, e1 and kmaster1 are also the published IDs (image-factory's schematic_test.go, talhelper's
/// docs/docs/guides.md and example/talconfig.yaml). homeops reads each input the way it reads a talconfig schematic.
/// </summary>
public sealed class SchematicTests
{
    public sealed record Vector(string Input, string Canonical, string Id);

    public static readonly Dictionary<string, Vector> Vectors = new()
    {
        ["empty"] = new(
            """
            customization: {}
            """,
            """
            customization: {}
            """,
            "376567988ad370138ad8b2698212367b8edcb69b5fd68c80be1f2ec7d603b4ba"),
        ["e1"] = new(
            """
            customization:
              extraKernelArgs: [net.ifnames=0]
              systemExtensions:
                officialExtensions: [siderolabs/intel-ucode]
            """,
            """
            customization:
                extraKernelArgs:
                    - net.ifnames=0
                systemExtensions:
                    officialExtensions:
                        - siderolabs/intel-ucode
            """,
            "9e8cc193609699825d61c039c7738d81cf29c7b20f2a91d8f5c540511b9ea0b4"),
        ["kmaster1"] = new(
            """
            overlay:
              name: rock64
              image: siderolabs/sbc-rockchip
            customization:
              extraKernelArgs: [net.ifnames=0]
              systemExtensions:
                officialExtensions: [siderolabs/intel-ucode, siderolabs/tailscale]
            """,
            """
            overlay:
                image: siderolabs/sbc-rockchip
                name: rock64
            customization:
                extraKernelArgs:
                    - net.ifnames=0
                systemExtensions:
                    officialExtensions:
                        - siderolabs/intel-ucode
                        - siderolabs/tailscale
            """,
            "67a999813ff49ba00dc632aa48170dc866bda646b7ee4f944e2fb7dc50b522bd"),
        ["removal"] = new(
            """
            customization:
              extraKernelArgs: [-console, console=ttyS0,115200n8, -talos.halt_if_installed, "- spaced"]
            """,
            """
            customization:
                extraKernelArgs:
                    - -console
                    - console=ttyS0
                    - 115200n8
                    - -talos.halt_if_installed
                    - '- spaced'
            """,
            "11625eef3743a0a637384885243bd5b9dd67ded69ef082a8a621be00d77a393b"),
        ["specials"] = new(
            """
            customization:
              extraKernelArgs: ["#comment", "a#b", "a #b", "it's", "@file", "*glob", "!bang", "%pct", "?q", "a: b", "a:b", "x:", "{\"a\": 1}", "[list]", "|pipe", ">gt", "`tick", "&amp", ",comma"]
            """,
            """
            customization:
                extraKernelArgs:
                    - '#comment'
                    - a#b
                    - 'a #b'
                    - it's
                    - '@file'
                    - '*glob'
                    - '!bang'
                    - '%pct'
                    - ?q
                    - 'a: b'
                    - a:b
                    - 'x:'
                    - '{"a": 1}'
                    - '[list]'
                    - '|pipe'
                    - '>gt'
                    - '`tick'
                    - '&amp'
                    - ',comma'
            """,
            "c724443bfc996cfa6ff7671d7b6ee68e6e890ee534d1bce6fba7dbeef4ac320e"),
        ["bools"] = new(
            """
            customization:
              extraKernelArgs: ["on", "yes", "off", "no", "y", "N", "true", "false", "TRUE", "null", "~", "1", "0x10", "0600", "1.10", "1e3", ".5", "-0", "2024-01-02", "1:20", "<<", ""]
            """,
            """
            customization:
                extraKernelArgs:
                    - 'on'
                    - 'yes'
                    - 'off'
                    - 'no'
                    - 'y'
                    - 'N'
                    - "true"
                    - "false"
                    - "TRUE"
                    - "null"
                    - "~"
                    - "1"
                    - "0x10"
                    - "0600"
                    - "1.10"
                    - "1e3"
                    - ".5"
                    - "-0"
                    - "2024-01-02"
                    - '1:20'
                    - '<<'
                    - ""
            """,
            "01558a6bfd809fea6f96e6ca771727184d1317d588a95659421d2eff1b685fea"),
        ["overlay"] = new(
            """
            overlay:
              name: rpi_generic
              image: siderolabs/sbc-raspberrypi
              options:
                configTxtAppend: dtoverlay=vc4-kms-v3d
                b: 10
                a10: true
                a9: "on"
                ab: 1
                a-: 2
                a1-: 3
                a1b: 4
                B: 5
                a_: 6
                a02: 7
                a2: 8
                "y": yes
                list: [a, {x: 1, y: [1, 2]}, [p, q]]
                f: 2.50
                big: 1e3
                neg: -7
                nul: null
            customization:
              extraKernelArgs: [console=tty0, -talos.halt_if_installed]
            """,
            """
            overlay:
                image: siderolabs/sbc-raspberrypi
                name: rpi_generic
                options:
                    B: 5
                    a-: 2
                    a_: 6
                    a1b: 4
                    a1-: 3
                    a2: 8
                    a02: 7
                    a9: 'on'
                    a10: true
                    ab: 1
                    b: 10
                    big: 1000
                    configTxtAppend: dtoverlay=vc4-kms-v3d
                    f: 2.5
                    list:
                        - a
                        - x: 1
                          'y':
                            - 1
                            - 2
                        - - p
                          - q
                    neg: -7
                    nul: null
                    'y': 'yes'
            customization:
                extraKernelArgs:
                    - console=tty0
                    - -talos.halt_if_installed
            """,
            "43b52c8eeba0a2909d85ee6719b9a426a8d3771eecca4ec0cd211dc4eda81ed3"),
        ["overlayname"] = new(
            """
            overlay:
              name: n
            customization: {}
            """,
            """
            overlay:
                image: ""
                name: 'n'
            customization: {}
            """,
            "bd8b94ff4739c5630033411ec230cb90e772b7df738f3a31cffe83f29e9ad491"),
        ["meta"] = new(
            """
            customization:
              meta:
                - key: 0xa
                  value: |
                    machineType: worker
                    zone: "a"
                - key: 12
                  value: "true"
                - key: 13
                  value: "  lead\nx\n"
                - key: 14
                  value: "a\n\n"
                - key: 15
                  value: "tab\there"
                - key: 16
                  value: "trail \nx"
              bootloader: sd-boot
              secureboot:
                enrollKeys: force
                includeWellKnownCertificates: true
              extraKernelArgs: []
            """,
            """
            customization:
                meta:
                    - key: 10
                      value: |
                        machineType: worker
                        zone: "a"
                    - key: 12
                      value: "true"
                    - key: 13
                      value: |4
                          lead
                        x
                    - key: 14
                      value: |+
                        a

                    - key: 15
                      value: "tab\there"
                    - key: 16
                      value: "trail \nx"
                bootloader: sd-boot
                secureboot:
                    enrollKeys: force
                    includeWellKnownCertificates: true
            """,
            "0ca2310c9a6f32708959c19deca2c2c68000a611cffe63a14ed6c404379d9dc6"),
        ["embedded"] = new(
            """
            owner: someone
            customization:
              embeddedMachineConfiguration: |
                version: v1alpha1
                machine:
                  type: worker
              diskImage:
                sectorSize: 4096
              bootloader: grub
              secureboot:
                includeWellKnownCertificates: false
            """,
            """
            owner: someone
            customization:
                embeddedMachineConfiguration: |
                    version: v1alpha1
                    machine:
                      type: worker
                bootloader: grub
                diskImage:
                    sectorSize: 4096
            """,
            "cb4d7859f812e1f9e9f772a583f19c565c614ed2ed4bb0456c87967703c1127f"),
        ["unicode"] = new(
            """
            customization:
              extraKernelArgs: ["café ü", " lead", "trail ", "a\u00a0b", "emoji 😀", "bom\ufeff"]
            """,
            """
            customization:
                extraKernelArgs:
                    - café ü
                    - ' lead'
                    - 'trail '
                    - a b
                    - "emoji \U0001F600"
                    - "bom\uFEFF"
            """,
            "668f030e223e128821bcdffe3ea9f1787c08509335a9f078286b73d2d313644f"),
    };

    public static TheoryData<string> Names() => [.. Vectors.Keys];

    private static Schematic Read(string input)
    {
        var talconfig = "clusterName: c\nendpoint: https://10.0.0.1:6443\nnodes:\n  - hostname: n\n    ipAddress: 10.0.0.2\n    installDisk: /dev/sda\n    schematic:\n"
                        + string.Join("\n", input.Split('\n').Select(l => "      " + l)) + "\n";
        var findings = new FindingBag();
        var config = TalConfigLoader.Load(new InMemoryTree(new() { ["talconfig.yaml"] = talconfig }), "talconfig.yaml", new Dictionary<string, string>(), findings);
        Assert.Empty(findings.Sorted());
        return config!.Nodes[0].Schematic!;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Ids_equal_the_factorys_for_every_kind_of_customization(string name)
    {
        var vector = Vectors[name];
        var schematic = Read(vector.Input);
        Assert.Equal(vector.Canonical + "\n", SchematicId.Canonical(schematic));
        Assert.Equal(vector.Id, SchematicId.Of(schematic));
        // the vector itself: the ID is the hash of exactly those bytes
        Assert.Equal(vector.Id, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(vector.Canonical + "\n"))));
    }

    [Fact]
    public void Absent_and_empty_customizations_share_the_empty_id()
    {
        Assert.Equal("customization: {}\n", SchematicId.Canonical(null));
        Assert.Equal(SchematicId.Empty, SchematicId.Of(null));
        Assert.Equal(SchematicId.Empty, SchematicId.Of(new Schematic { Customization = new SchematicCustomization { ExtraKernelArgs = [], SystemExtensions = new() { OfficialExtensions = [] } } }));
        Assert.Equal(SchematicId.Empty, SchematicId.Of(Read("customization:\n  bootloader: none\n  secureboot: {includeWellKnownCertificates: false}\n  diskImage: {sectorSize: 0}")));
    }

    [Fact]
    public void Extension_order_is_part_of_the_id()
    {
        var id = SchematicId.Of(new() { Customization = new() { SystemExtensions = new() { OfficialExtensions = ["siderolabs/i915", "siderolabs/intel-ucode"] } } });
        var reversed = SchematicId.Of(new() { Customization = new() { SystemExtensions = new() { OfficialExtensions = ["siderolabs/intel-ucode", "siderolabs/i915"] } } });
        Assert.NotEqual(id, reversed);
    }

    [Theory]
    [InlineData("customization:\n  bootloader: lilo", "bootloader 'lilo' is not one of none, dual-boot, sd-boot, grub")]
    [InlineData("customization:\n  meta:\n    - key: 256\n      value: x", "meta key '256' is not a number from 0 to 255")]
    [InlineData("customization:\n  meta:\n    - key: \"10\"\n      value: x", "meta key '10' is not a number from 0 to 255")]
    public void Values_the_factory_refuses_are_errors(string input, string message) =>
        Assert.Equal(message, Assert.Throws<FormatException>(() => SchematicId.Canonical(Read(input))).Message);
}
