#pragma once
// Edge crossings of a drawing, counted the same way for GraphLayout's routes and for Graphviz's splines, so
// bench_layout can put the two side by side: every edge as the polyline of its drawn curve, and every point
// where two edges that share no node cross each other. Edges that share a node meet there by construction
// and are not counted, as in the usual definition of a drawing's crossing number.

#include "edgeroute.h"
#include "graph/graphsnapshot.h"
#include "graphlayout.h"

#include <QPointF>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

namespace faultline::bench {

struct DrawnEdge {
    uint32_t source = 0;
    uint32_t target = 0;
    std::vector<QPointF> points; ///< the curve as drawn, flattened
};

/// GraphLayout's drawing: each edge's route as the canvas strokes it (EdgeRoute), flattened.
inline std::vector<DrawnEdge> layoutDrawing(const GraphSnapshot& s, const GraphLayout& layout)
{
    std::vector<DrawnEdge> edges;
    for (int i = 0; i < static_cast<int>(s.edges.size()); ++i) {
        DrawnEdge d { s.edges[static_cast<size_t>(i)].source, s.edges[static_cast<size_t>(i)].target, {} };
        const EdgeRoute route = EdgeRoute::compute(s, layout, i);
        for (const QPolygonF& poly : route.line.toSubpathPolygons())
            d.points.insert(d.points.end(), poly.begin(), poly.end());
        d.points.push_back(route.tip);
        edges.push_back(std::move(d));
    }
    return edges;
}

/// The next token of a `dot -Tplain` line: a word, or a "quoted string" with \" escapes.
inline bool plainToken(std::istringstream& in, std::string& token)
{
    token.clear();
    in >> std::ws;
    if (in.peek() != '"') return static_cast<bool>(in >> token);
    in.get();
    for (int c; (c = in.get()) != EOF;) {
        if (c == '\\' && in.peek() != EOF) {
            token += static_cast<char>(in.get());
        } else if (c == '"') {
            return true;
        } else {
            token += static_cast<char>(c);
        }
    }
    return false;
}

/// Graphviz's drawing of the same snapshot, read from `dot -Tplain` output: each edge's B-spline (cubic
/// Bezier pieces through its control points), flattened into 8 segments a piece. Nothing with `error` set
/// when the file cannot be read or names a node the snapshot lacks.
inline std::optional<std::vector<DrawnEdge>> dotDrawing(
    const GraphSnapshot& s, const std::string& path, std::string& error)
{
    std::ifstream file(path);
    if (!file) {
        error = "cannot read " + path;
        return std::nullopt;
    }
    std::unordered_map<std::string, uint32_t> index;
    for (uint32_t i = 0; i < s.nodes.size(); ++i)
        index[s.nodes[i].id] = i;
    std::vector<DrawnEdge> edges;
    std::string line;
    while (std::getline(file, line)) {
        std::istringstream in(line);
        std::string word, tail, head;
        if (!plainToken(in, word) || word != "edge") continue;
        int n = 0;
        if (!plainToken(in, tail) || !plainToken(in, head) || !(in >> n) || n < 4) {
            error = "malformed edge line: " + line;
            return std::nullopt;
        }
        const auto t = index.find(tail), h = index.find(head);
        if (t == index.end() || h == index.end()) {
            error = "edge between unknown nodes: " + line;
            return std::nullopt;
        }
        std::vector<QPointF> control(static_cast<size_t>(n));
        for (QPointF& p : control) {
            double x = 0, y = 0;
            in >> x >> y;
            p = QPointF(x, y);
        }
        DrawnEdge d { t->second, h->second, { control.front() } };
        for (size_t i = 0; i + 3 < control.size(); i += 3)
            for (int k = 1; k <= 8; ++k) {
                const double u = k / 8.0, v = 1.0 - u;
                d.points.push_back(v * v * v * control[i] + 3 * v * v * u * control[i + 1]
                    + 3 * v * u * u * control[i + 2] + u * u * u * control[i + 3]);
            }
        edges.push_back(std::move(d));
    }
    return edges;
}

/// True when segments ab and cd cross at a point inside both (touching or collinear overlap does not count).
inline bool segmentsCross(QPointF a, QPointF b, QPointF c, QPointF d)
{
    const auto cross = [](QPointF o, QPointF p, QPointF q) {
        return (p.x() - o.x()) * (q.y() - o.y()) - (p.y() - o.y()) * (q.x() - o.x());
    };
    const double d1 = cross(c, d, a), d2 = cross(c, d, b), d3 = cross(a, b, c), d4 = cross(a, b, d);
    return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/// Every crossing between two edges that share no node. A sweep over x keeps it near-linear on layered
/// drawings: only segments whose x ranges overlap are compared.
inline int64_t countCrossings(const std::vector<DrawnEdge>& edges)
{
    struct Segment {
        double x0, x1, y0, y1;
        QPointF a, b;
        uint32_t edge;
    };
    std::vector<Segment> segments;
    for (uint32_t e = 0; e < edges.size(); ++e) {
        const auto& p = edges[e].points;
        for (size_t i = 0; i + 1 < p.size(); ++i)
            segments.push_back({ std::min(p[i].x(), p[i + 1].x()), std::max(p[i].x(), p[i + 1].x()),
                std::min(p[i].y(), p[i + 1].y()), std::max(p[i].y(), p[i + 1].y()), p[i], p[i + 1], e });
    }
    std::sort(segments.begin(), segments.end(), [](const Segment& l, const Segment& r) { return l.x0 < r.x0; });
    const auto adjacent = [&](uint32_t e, uint32_t f) {
        const DrawnEdge &x = edges[e], &y = edges[f];
        return e == f || x.source == y.source || x.source == y.target || x.target == y.source || x.target == y.target;
    };
    int64_t crossings = 0;
    std::vector<const Segment*> active;
    for (const Segment& s : segments) {
        std::erase_if(active, [&](const Segment* o) { return o->x1 < s.x0; });
        for (const Segment* o : active)
            if (o->y1 >= s.y0 && s.y1 >= o->y0 && !adjacent(o->edge, s.edge) && segmentsCross(o->a, o->b, s.a, s.b))
                ++crossings;
        active.push_back(&s);
    }
    return crossings;
}

} // namespace faultline::bench
