#pragma once
// Running a built-in lesson scenario in a test: the simulator feeding the aggregator (what the window shows),
// the lesson's steps played as the lesson panel plays them, and the durations of chosen spans kept for exact
// quantiles and shares.

#include "graph/graphaggregator.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "sim/simulator.h"

#include <QByteArray>
#include <QtGlobal>

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace faultline::test {

/// FAULTLINE_STATISTICS_SCALE (0 < s <= 1) shortens the statistical runs, for sanitizer builds; a tolerance
/// widens by 1/sqrt(s), as the standard error does.
inline double statisticsScale()
{
    const QByteArray value = qgetenv("FAULTLINE_STATISTICS_SCALE");
    bool ok = false;
    const double scale = value.toDouble(&ok);
    return ok && scale > 0.0 && scale <= 1.0 ? scale : 1.0;
}

/// Forwards everything to the aggregator and keeps the start and duration of the spans of the kind and
/// services it was asked to watch.
class SpanDurations final : public TelemetrySink {
public:
    explicit SpanDurations(TelemetrySink& next)
        : m_next(next)
    {
    }
    void watch(const std::string& service, SpanKind kind) { m_samples[{ service, kind }]; }

    void onSpans(SpanBatch&& batch) override
    {
        if (!m_samples.empty())
            for (const Span& s : batch.spans) {
                const auto it = m_samples.find({ std::string(s.service), s.kind });
                if (it != m_samples.end())
                    it->second.push_back({ s.start_ns, static_cast<double>(s.durationNs()) / 1e6 });
            }
        m_next.onSpans(std::move(batch));
    }
    void onMetrics(std::vector<MetricPoint>&& points) override { m_next.onMetrics(std::move(points)); }
    void onClock(int64_t now_ns) override { m_next.onClock(now_ns); }

    /// The durations in milliseconds of the watched spans that started between the two times, sorted.
    std::vector<double> durations(const std::string& service, SpanKind kind, double from_s, double to_s) const
    {
        const auto it = m_samples.find({ service, kind });
        if (it == m_samples.end()) qFatal("%s is not watched", service.c_str());
        std::vector<double> out;
        for (const Sample& s : it->second)
            if (s.start_ns >= static_cast<int64_t>(from_s * 1e9) && s.start_ns < static_cast<int64_t>(to_s * 1e9))
                out.push_back(s.ms);
        std::sort(out.begin(), out.end());
        return out;
    }

private:
    struct Sample {
        int64_t start_ns;
        double ms;
    };
    TelemetrySink& m_next;
    std::map<std::pair<std::string, SpanKind>, std::vector<Sample>> m_samples;
};

/// The q-quantile of sorted values (nearest rank).
inline double quantile(const std::vector<double>& sorted, double q)
{
    if (sorted.empty()) qFatal("no values");
    const auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

/// The share of sorted values above a threshold.
inline double shareAbove(const std::vector<double>& sorted, double threshold)
{
    const auto above = sorted.end() - std::upper_bound(sorted.begin(), sorted.end(), threshold);
    return sorted.empty() ? 0.0 : static_cast<double>(above) / static_cast<double>(sorted.size());
}

/// A built-in scenario in the simulator, its telemetry feeding the aggregator as in the window.
struct Run {
    std::shared_ptr<const Scenario> scenario;
    GraphAggregator aggregator;
    SpanDurations spans { aggregator };
    std::unique_ptr<Simulator> sim;

    explicit Run(std::string_view id)
    {
        auto loaded = ScenarioLoader::fromString(builtinScenario(id));
        if (!loaded.ok()) qFatal("built-in scenario %s does not load", std::string(id).c_str());
        scenario = std::make_shared<const Scenario>(std::move(*loaded.scenario));
        sim = std::make_unique<Simulator>(scenario, scenario->seed, &spans);
    }
    std::shared_ptr<const GraphSnapshot> at(double seconds)
    {
        sim->runUntil(static_cast<int64_t>(seconds * 1e9));
        return aggregator.snapshot("simulation");
    }
    static const EdgeSnapshot& edge(const GraphSnapshot& s, const char* from, const char* to)
    {
        const int e = s.findEdge(from, to);
        if (e < 0) qFatal("no edge %s -> %s", from, to);
        return s.edges[static_cast<size_t>(e)];
    }
    static const NodeSnapshot& node(const GraphSnapshot& s, const char* id)
    {
        const int n = s.findNode(id);
        if (n < 0) qFatal("no node %s", id);
        return s.nodes[static_cast<size_t>(n)];
    }
    uint64_t arrivals(const std::string& service) const { return serviceStats(service).arrivals; }
    ServiceRunStats serviceStats(const std::string& service) const
    {
        for (const auto& s : sim->stats().services)
            if (s.name == service) return s;
        qFatal("no service %s", service.c_str());
    }
    QueueRunStats queueStats(const std::string& queue) const
    {
        for (const auto& q : sim->stats().queues)
            if (q.name == queue) return q;
        qFatal("no queue %s", queue.c_str());
    }
    /// Plays lesson step `step` as the lesson panel does: its fault, injected now.
    void play(size_t step)
    {
        const auto& fault = scenario->lesson->steps.at(step).fault;
        if (!fault || fault->at_s != 0.0) qFatal("step %zu has no fault to play at once", step);
        if (sim->injectFault(fault->fault) == 0) qFatal("step %zu's fault was refused", step);
    }
};

/// What an edge carried between two snapshots, from the difference of their whole-run totals.
struct Between {
    uint64_t requests = 0;
    uint64_t errors = 0;
    double mean_ms = 0.0;
    double errorRate() const { return requests ? static_cast<double>(errors) / static_cast<double>(requests) : 0.0; }
};

inline Between between(const EdgeSnapshot& from, const EdgeSnapshot& to)
{
    const Totals& a = from.traffic.totals;
    const Totals& b = to.traffic.totals;
    Between d;
    d.requests = b.requests - a.requests;
    d.errors = b.errors - a.errors;
    if (d.requests > 0)
        d.mean_ms = (b.mean_ms * static_cast<double>(b.requests) - a.mean_ms * static_cast<double>(a.requests))
            / static_cast<double>(d.requests);
    return d;
}

} // namespace faultline::test
