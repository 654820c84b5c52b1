using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace Moderation.ModelImport.Conversion;

/// <summary>Small helper over the generated ONNX protobuf types: nodes, attributes, initializers, typed values.</summary>
internal sealed class OnnxGraphBuilder(string graphName)
{
    private readonly HashSet<string> names = new(StringComparer.Ordinal);

    public GraphProto Graph { get; } = new() { Name = graphName };

    /// <summary>Returns <paramref name="preferred"/>, or it with a numeric suffix when already taken, and reserves it.</summary>
    public string UniqueName(string preferred)
    {
        var name = preferred;
        for (var suffix = 1; !names.Add(name); suffix++)
        {
            name = $"{preferred}_{suffix}";
        }

        return name;
    }

    /// <summary>Adds a node whose single output is named after it; returns the output name.</summary>
    public string Add(string opType, string name, IEnumerable<string> inputs, params AttributeProto[] attributes)
    {
        var output = UniqueName(name);
        var node = new NodeProto { OpType = opType, Name = output };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        node.Attribute.AddRange(attributes);
        Graph.Node.Add(node);
        return output;
    }

    public string AddInitializer(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto
        {
            Name = UniqueName(name),
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)),
        };
        tensor.Dims.AddRange(dims);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    public string AddInt64Initializer(string name, params long[] values)
    {
        var tensor = new TensorProto
        {
            Name = UniqueName(name),
            DataType = (int)TensorProto.Types.DataType.Int64,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())),
        };
        tensor.Dims.Add(values.Length);
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float scalar (rank 0), as Clip's min and max inputs require.</summary>
    public string AddScalar(string name, float value)
    {
        var tensor = new TensorProto
        {
            Name = UniqueName(name),
            DataType = (int)TensorProto.Types.DataType.Float,
            RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(new[] { value }.AsSpan())),
        };
        Graph.Initializer.Add(tensor);
        return tensor.Name;
    }

    /// <summary>A float tensor value with a symbolic batch dimension followed by fixed dimensions.</summary>
    public static ValueInfoProto FloatValue(string name, string batchDimension, params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = batchDimension });
        foreach (var dim in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = dim });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}
