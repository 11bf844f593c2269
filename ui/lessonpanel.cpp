#include "lessonpanel.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace faultline {

namespace {
QLabel* wrapped(QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}
} // namespace

LessonPanel::LessonPanel(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_idea = wrapped(this);
    QFont big = m_idea->font();
    big.setBold(true);
    big.setPointSizeF(big.pointSizeF() * 1.25);
    m_idea->setFont(big);
    m_explanation = wrapped(this);
    m_watch = wrapped(this);
    m_watch->setForegroundRole(QPalette::PlaceholderText);

    m_steps = new QListWidget(this);
    m_steps->setWordWrap(true);
    m_steps->setAccessibleName(tr("Lesson steps"));
    m_steps->setSelectionMode(QAbstractItemView::SingleSelection);
    connect(m_steps, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && row != m_step) setStep(row);
    });

    m_play = new QPushButton(tr("&Make It Happen"), this);
    m_play->setToolTip(tr("Inject this step's fault into the running simulation"));
    connect(m_play, &QPushButton::clicked, this, &LessonPanel::playStep);

    m_back = new QPushButton(tr("&Back"), this);
    m_back->setToolTip(tr("The previous step (Alt+B)"));
    m_next = new QPushButton(tr("&Next"), this);
    m_next->setToolTip(tr("The next step (Alt+N)"));
    m_next->setDefault(true);
    connect(m_back, &QPushButton::clicked, this, &LessonPanel::back);
    connect(m_next, &QPushButton::clicked, this, &LessonPanel::next);
    m_progress = new QLabel(this);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_back);
    buttons->addWidget(m_progress, 1, Qt::AlignCenter);
    buttons->addWidget(m_next);

    layout->addWidget(m_idea);
    layout->addWidget(m_explanation);
    layout->addWidget(m_watch);
    layout->addWidget(m_steps, 1);
    layout->addWidget(m_play);
    layout->addLayout(buttons);
    updateView();
}

int LessonPanel::stepCount() const
{
    return m_lesson ? static_cast<int>(m_lesson->steps.size()) : 0;
}

void LessonPanel::setLesson(std::optional<Lesson> lesson)
{
    m_lesson = std::move(lesson);
    m_step = 0;
    m_steps->clear();
    if (m_lesson)
        for (size_t i = 0; i < m_lesson->steps.size(); ++i)
            m_steps->addItem(QStringLiteral("%1. %2").arg(i + 1).arg(QString::fromStdString(m_lesson->steps[i].text)));
    updateView();
    emit stepChanged(m_step);
}

QString LessonPanel::stepText() const
{
    if (!m_lesson || m_step >= stepCount()) return {};
    return QString::fromStdString(m_lesson->steps[static_cast<size_t>(m_step)].text);
}

void LessonPanel::next()
{
    setStep(m_step + 1);
}

void LessonPanel::back()
{
    setStep(m_step - 1);
}

void LessonPanel::setStep(int step)
{
    if (!m_lesson || step < 0 || step >= stepCount() || step == m_step) return;
    m_step = step;
    updateView();
    emit stepChanged(m_step);
}

void LessonPanel::playStep()
{
    if (!m_lesson || m_step >= stepCount()) return;
    const auto& fault = m_lesson->steps[static_cast<size_t>(m_step)].fault;
    if (fault) emit faultRequested(*fault);
}

void LessonPanel::updateView()
{
    const bool has = m_lesson.has_value();
    m_idea->setText(has ? QString::fromStdString(m_lesson->idea) : tr("No lesson"));
    m_explanation->setText(has ? QString::fromStdString(m_lesson->explanation)
                               : tr("This scenario has no lesson. Open one from the Lessons menu: each built-in "
                                    "scenario teaches one idea, step by step."));
    m_watch->setText(
        has && !m_lesson->watch.empty() ? tr("Watch: %1").arg(QString::fromStdString(m_lesson->watch)) : QString());
    m_watch->setVisible(!m_watch->text().isEmpty());
    m_steps->setVisible(has);
    m_back->setEnabled(has && m_step > 0);
    m_next->setEnabled(has && m_step + 1 < stepCount());
    m_progress->setText(has ? tr("Step %1 of %2").arg(m_step + 1).arg(stepCount()) : QString());
    const bool playable = has && m_step < stepCount() && m_lesson->steps[static_cast<size_t>(m_step)].fault;
    m_play->setVisible(playable);
    if (playable)
        m_play->setText(
            tr("&Make It Happen: %1")
                .arg(QString::fromStdString(describe(m_lesson->steps[static_cast<size_t>(m_step)].fault->fault))));
    if (has && m_steps->currentRow() != m_step) m_steps->setCurrentRow(m_step);
}

} // namespace faultline
