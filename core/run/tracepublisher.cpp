#include "run/tracepublisher.h"

namespace faultline {

namespace {
constexpr auto kRefreshPeriod = std::chrono::seconds(1);
} // namespace

TracePublisher::TracePublisher(TraceStoreConfig config)
    : m_store(config)
{
}

void TracePublisher::clear()
{
    m_store.clear();
    m_key = {};
    m_traces.store(nullptr);
    m_waterfall.store(nullptr);
}

void TracePublisher::publish(const DetailKey& key, bool now)
{
    const auto wall = std::chrono::steady_clock::now();
    if (key.empty()) {
        if (!m_key.empty()) m_traces.store(nullptr);
        m_key = {};
        return;
    }
    if (!now && key == m_key && wall - m_refreshed < kRefreshPeriod) return;
    m_key = key;
    m_refreshed = wall;
    auto list = std::make_shared<TraceList>();
    list->key = key;
    list->traces = m_store.query(key.isEdge() ? TraceQuery::ofEdge(key.source, key.target, kListLength)
                                              : TraceQuery::ofNode(key.node, kListLength));
    list->stats = m_store.stats();
    m_traces.store(std::move(list));
}

void TracePublisher::answerWaterfall(const TraceId& id)
{
    auto result = std::make_shared<WaterfallResult>();
    result->id = id;
    result->waterfall = m_store.waterfall(id);
    m_waterfall.store(std::move(result));
}

} // namespace faultline
