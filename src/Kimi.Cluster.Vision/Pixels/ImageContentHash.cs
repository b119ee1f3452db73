using System.Buffers.Binary;
using System.Security.Cryptography;
using Kimi.Cluster.Vision.Decoding;
using Kimi.Cluster.Vision.Resizing;

namespace Kimi.Cluster.Vision.Pixels;

/// <summary>
/// SHA-256 of what determines an image's encoder input: the resized size, the patch grid, and
/// the resized RGB bytes. Two images with equal hashes give equal <c>pixel_values</c> and grids,
/// so a prefix cache can key an image's token positions by it. It is taken after decoding and
/// resizing, so the same picture sent as PNG and as a lossless WebP, or at a size that resizes
/// to the same pixels, shares an entry. The sizes are hashed because the bytes alone do not fix
/// the layout (27x28 and 28x27 have as many bytes and the same 2x2 grid).
/// </summary>
public readonly record struct ImageContentHash(UInt128 High, UInt128 Low)
{
    /// <summary>Bumped if the hashed layout ever changes, so old cache keys cannot collide with new ones.</summary>
    private static ReadOnlySpan<byte> DomainTag => "kimi-vision-v1"u8;

    public static ImageContentHash Compute(RgbImage resized, NavitResizePlan plan)
    {
        ArgumentNullException.ThrowIfNull(resized);
        ArgumentNullException.ThrowIfNull(plan);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(DomainTag);
        Span<byte> header = stackalloc byte[4 * sizeof(int)];
        BinaryPrimitives.WriteInt32LittleEndian(header, resized.Width);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], resized.Height);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], plan.GridRows);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], plan.GridColumns);
        sha.AppendData(header);
        sha.AppendData(resized.Pixels);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        return new ImageContentHash(BinaryPrimitives.ReadUInt128BigEndian(digest), BinaryPrimitives.ReadUInt128BigEndian(digest[16..]));
    }

    /// <summary>The first 64 bits, for mixing into a 64-bit chain hash such as the prefix cache's.</summary>
    public ulong ToUInt64() => (ulong)(High >> 64);

    /// <summary>The 64 lowercase hex digits of the digest.</summary>
    public override string ToString() => $"{High:x32}{Low:x32}";
}
