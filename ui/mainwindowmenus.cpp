// MainWindow's file, view and help extras: recent files, examples, lessons, Save As, search, theme, shortcuts.

#include "mainwindow.h"

#include "appsettings.h"

#include "graphview.h"
#include "lessonpanel.h"
#include "scenario/builtinscenarios.h"
#include "scenario/scenarioloader.h"
#include "scenario/scenariowriter.h"
#include "servicelistmodel.h"
#include "servicesdock.h"
#include "whatifcontroller.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCompleter>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPalette>
#include <QRegularExpression>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QStyleFactory>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>
#include <functional>
#include <iterator>

namespace faultline {

namespace {
const QString kRecentKey = QStringLiteral("scenario/recentFiles");

/// The style and palette the platform gave the application, for Theme::System.
struct PlatformLook {
    QString style;
    QPalette palette;
};
const PlatformLook& platformLook()
{
    static const PlatformLook look { QApplication::style()->name(), QApplication::palette() };
    return look;
}

QPalette darkPalette()
{
    QPalette p;
    const QColor window(45, 45, 48), base(30, 30, 32), text(225, 225, 228), disabled(128, 128, 132);
    const QColor highlight(42, 130, 218);
    p.setColor(QPalette::Window, window);
    p.setColor(QPalette::WindowText, text);
    p.setColor(QPalette::Base, base);
    p.setColor(QPalette::AlternateBase, QColor(38, 38, 41));
    p.setColor(QPalette::ToolTipBase, QColor(60, 60, 64));
    p.setColor(QPalette::ToolTipText, text);
    p.setColor(QPalette::PlaceholderText, disabled);
    p.setColor(QPalette::Text, text);
    p.setColor(QPalette::Button, window);
    p.setColor(QPalette::ButtonText, text);
    p.setColor(QPalette::BrightText, Qt::white);
    p.setColor(QPalette::Light, QColor(70, 70, 74));
    p.setColor(QPalette::Midlight, QColor(58, 58, 62));
    p.setColor(QPalette::Mid, QColor(40, 40, 43));
    p.setColor(QPalette::Dark, QColor(25, 25, 27));
    p.setColor(QPalette::Shadow, Qt::black);
    p.setColor(QPalette::Highlight, highlight);
    p.setColor(QPalette::HighlightedText, Qt::white);
    p.setColor(QPalette::Link, highlight.lighter(130));
    p.setColor(QPalette::LinkVisited, QColor(160, 120, 230));
    for (auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, disabled);
    p.setColor(QPalette::Disabled, QPalette::Highlight, QColor(70, 70, 74));
    return p;
}
} // namespace

void MainWindow::createExtraActions()
{
    platformLook(); // remember the platform's look before any theme replaces it

    m_saveAsAction = new QAction(style()->standardIcon(QStyle::SP_DialogSaveButton), tr("Save Scenario &As…"), this);
    m_saveAsAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_S));
    m_saveAsAction->setToolTip(withShortcut(tr("Write the running scenario to a JSON file"), m_saveAsAction));
    connect(m_saveAsAction, &QAction::triggered, this, &MainWindow::saveScenarioAsDialog);

    m_recentMenu = new QMenu(tr("Open &Recent"), this);
    m_recentMenu->setObjectName(QStringLiteral("recentMenu"));
    m_clearRecentAction = new QAction(tr("&Clear Menu"), this);
    connect(m_clearRecentAction, &QAction::triggered, this, &MainWindow::clearRecentFiles);
    rebuildRecentMenu();

    m_examplesMenu = new QMenu(tr("Open &Example"), this);
    m_examplesMenu->setObjectName(QStringLiteral("examplesMenu"));
    for (const BuiltinScenario& b : builtinScenarios()) {
        const QString id = QString::fromUtf8(b.id.data(), static_cast<qsizetype>(b.id.size()));
        const auto loaded = ScenarioLoader::fromString(b.json);
        const QString name
            = loaded.ok() && !loaded.scenario->name.empty() ? QString::fromStdString(loaded.scenario->name) : id;
        QAction* action = m_examplesMenu->addAction(name);
        action->setData(id);
        if (loaded.ok()) action->setToolTip(QString::fromStdString(loaded.scenario->description));
        connect(action, &QAction::triggered, this, [this, id] { openExample(id); });
    }

    m_lessonsMenu = new QMenu(tr("&Lessons"), this);
    m_lessonsMenu->setObjectName(QStringLiteral("lessonsMenu"));
    m_lessonsMenu->setToolTipsVisible(true);
    fillLessonsMenu();

    m_findAction = new QAction(tr("&Find Service…"), this);
    m_findAction->setShortcut(QKeySequence::Find);
    m_findAction->setToolTip(withShortcut(tr("Find a service by id and focus it"), m_findAction));
    connect(m_findAction, &QAction::triggered, this, [this] {
        m_searchBox->setFocus(Qt::ShortcutFocusReason);
        m_searchBox->selectAll();
    });

    m_resetLayoutAction = new QAction(tr("&Reset Layout"), this);
    m_resetLayoutAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R));
    m_resetLayoutAction->setToolTip(
        withShortcut(tr("Forget dragged node positions and lay the graph out afresh"), m_resetLayoutAction));
    connect(m_resetLayoutAction, &QAction::triggered, m_graph, &GraphView::resetLayout);

    m_idleNodesAction = new QAction(tr("Show &Idle Nodes"), this);
    m_idleNodesAction->setCheckable(true);
    m_idleNodesAction->setChecked(m_graph->idleNodesVisible());
    m_idleNodesAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_I));
    m_idleNodesAction->setToolTip(withShortcut(tr("Show the nodes without traffic in the window"), m_idleNodesAction));
    connect(m_idleNodesAction, &QAction::toggled, m_graph, &GraphView::setIdleNodesVisible);

    m_collapseAction = new QAction(tr("&Collapse Queue Consumers"), this);
    m_collapseAction->setCheckable(true);
    m_collapseAction->setChecked(m_graph->queueConsumersCollapsed());
    m_collapseAction->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C));
    m_collapseAction->setToolTip(withShortcut(tr("Fold each queue's consumers into the queue node"), m_collapseAction));
    connect(m_collapseAction, &QAction::toggled, m_graph, &GraphView::setQueueConsumersCollapsed);

    m_themeMenu = new QMenu(tr("&Theme"), this);
    m_themeGroup = new QActionGroup(this);
    const std::pair<Theme, QString> themes[] { { Theme::System, tr("&System") }, { Theme::Light, tr("&Light") },
        { Theme::Dark, tr("&Dark") } };
    for (const auto& [theme, text] : themes) {
        QAction* action = m_themeMenu->addAction(text);
        action->setCheckable(true);
        action->setData(static_cast<int>(theme));
        action->setChecked(theme == Theme::System);
        m_themeGroup->addAction(action);
        connect(action, &QAction::triggered, this, [this, theme = theme] { setTheme(theme); });
    }

    m_shortcutsAction = new QAction(tr("&Keyboard Shortcuts"), this);
    m_shortcutsAction->setShortcut(QKeySequence::HelpContents);
    m_shortcutsAction->setToolTip(withShortcut(tr("List every keyboard shortcut"), m_shortcutsAction));
    connect(m_shortcutsAction, &QAction::triggered, this, &MainWindow::showShortcuts);
}

QAction* MainWindow::themeAction(Theme theme) const
{
    for (QAction* action : m_themeGroup->actions())
        if (action->data().toInt() == static_cast<int>(theme)) return action;
    return nullptr;
}

void MainWindow::setTheme(Theme theme)
{
    const PlatformLook& look = platformLook();
    if (theme == Theme::System) {
        if (m_theme != Theme::System) { // at start the platform's look is already in place
            if (QStyle* style = QStyleFactory::create(look.style)) QApplication::setStyle(style);
            QApplication::setPalette(look.palette);
        }
    } else {
        QApplication::setStyle(QStyleFactory::create(QStringLiteral("Fusion")));
        QApplication::setPalette(theme == Theme::Dark ? darkPalette() : QApplication::style()->standardPalette());
    }
    // A window not yet shown may keep its old palette until polished: hand it the new one now.
    setPalette(QApplication::palette());
    m_theme = theme;
    if (QAction* action = themeAction(theme)) action->setChecked(true);
    appSettings().setValue(QStringLiteral("view/theme"),
        theme == Theme::Dark        ? QStringLiteral("dark")
            : theme == Theme::Light ? QStringLiteral("light")
                                    : QStringLiteral("system"));
}

QStringList MainWindow::recentFiles() const
{
    return appSettings().value(kRecentKey).toStringList();
}

void MainWindow::addRecentFile(const QString& path)
{
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList files = recentFiles();
    files.removeAll(absolute);
    files.prepend(absolute);
    while (files.size() > kMaxRecentFiles)
        files.removeLast();
    appSettings().setValue(kRecentKey, files);
    rebuildRecentMenu();
}

void MainWindow::clearRecentFiles()
{
    appSettings().remove(kRecentKey);
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    // The menu is rebuilt while one of its actions is being triggered (opening a recent file adds it to the
    // top; a missing one is dropped): delete the old entries later, never under the running handler.
    for (QAction* old : m_recentMenu->actions()) {
        m_recentMenu->removeAction(old);
        if (old != m_clearRecentAction) old->deleteLater();
    }
    const QStringList files = recentFiles();
    for (qsizetype i = 0; i < files.size(); ++i) {
        const QString& path = files[i];
        // &1..&8 as mnemonics, the file name first and its folder after, as desktop applications do.
        QAction* action = m_recentMenu->addAction(
            QStringLiteral("&%1 %2").arg(i + 1).arg(QFileInfo(path).fileName().replace(QLatin1Char('&'), "&&")));
        action->setData(path);
        action->setToolTip(path);
        action->setStatusTip(path);
        connect(action, &QAction::triggered, this, [this, path] { openRecentFile(path); });
    }
    if (!files.isEmpty()) m_recentMenu->addSeparator();
    m_recentMenu->addAction(m_clearRecentAction);
    m_clearRecentAction->setEnabled(!files.isEmpty());
    m_recentMenu->setEnabled(true);
}

bool MainWindow::openRecentFile(const QString& path)
{
    if (!QFileInfo::exists(path)) {
        QStringList files = recentFiles();
        files.removeAll(path);
        appSettings().setValue(kRecentKey, files);
        rebuildRecentMenu();
        QMessageBox box(QMessageBox::Warning, tr("File Not Found"),
            tr("“%1” no longer exists.").arg(QFileInfo(path).fileName()), QMessageBox::Ok, this);
        box.setInformativeText(tr("It was removed from the recent files. It was at %1.").arg(path));
        box.exec();
        return false;
    }
    return openScenarioFile(path);
}

bool MainWindow::openExample(const QString& id)
{
    const auto result = ScenarioLoader::fromString(builtinScenario(id.toStdString()));
    if (!result.ok()) {
        QMessageBox::warning(this, tr("Invalid Example"), tr("The built-in scenario “%1” does not load.").arg(id));
        return false;
    }
    SimulationRunner::Options options;
    options.speed = speed();
    runScenario(*result.scenario, options);
    return true;
}

void MainWindow::fillLessonsMenu()
{
    // The teaching order first; a built-in lesson missing from it still shows, at the end.
    std::vector<std::string_view> ids(std::begin(kLessonOrder), std::end(kLessonOrder));
    for (const BuiltinScenario& b : builtinScenarios())
        if (std::find(ids.begin(), ids.end(), b.id) == ids.end()) ids.push_back(b.id);
    m_lessonsMenu->clear();
    int number = 0;
    for (std::string_view id : ids) {
        const auto loaded = ScenarioLoader::fromString(builtinScenario(id));
        if (!loaded.ok() || !loaded.scenario->lesson) continue;
        const Lesson& lesson = *loaded.scenario->lesson;
        ++number;
        QString idea = QString::fromStdString(lesson.idea);
        idea.replace(QLatin1Char('&'), QStringLiteral("&&"));
        QAction* action = m_lessonsMenu->addAction(number < 10 ? QStringLiteral("&%1. %2").arg(number).arg(idea)
                                                               : QStringLiteral("%1. %2").arg(number).arg(idea));
        const QString key = QString::fromUtf8(id.data(), static_cast<qsizetype>(id.size()));
        action->setData(key);
        action->setToolTip(tr("Watch: %1").arg(QString::fromStdString(lesson.watch)));
        action->setStatusTip(QString::fromStdString(loaded.scenario->name));
        connect(action, &QAction::triggered, this, [this, key] { openLesson(key); });
    }
}

bool MainWindow::openLesson(const QString& id)
{
    if (!openExample(id)) return false;
    QDockWidget* dock = m_whatIf->lessonDock();
    dock->show();
    dock->raise();
    m_whatIf->lesson()->setStep(0);
    return true;
}

void MainWindow::saveScenarioAsDialog()
{
    if (!runner()) {
        QMessageBox::information(this, tr("Nothing to Save"), tr("Open a scenario first: live telemetry has none."));
        return;
    }
    const QString dir = appSettings().value(QStringLiteral("scenario/lastDirectory")).toString();
    QString suggested = QString::fromStdString(runner()->scenario().name).toLower();
    suggested.replace(QRegularExpression(QStringLiteral("[^a-z0-9._-]+")), QStringLiteral("-"));
    if (suggested.isEmpty()) suggested = QStringLiteral("scenario");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save Scenario As"),
        QDir(dir.isEmpty() ? QDir::homePath() : dir).filePath(suggested + QStringLiteral(".json")),
        tr("Faultline scenarios (*.json)"));
    if (!path.isEmpty()) saveScenarioAs(path);
}

bool MainWindow::saveScenarioAs(const QString& path)
{
    if (!runner()) return false;
    std::string error;
    if (!ScenarioWriter::toFile(runner()->scenario(), QFile::encodeName(path).toStdString(), &error)) {
        QMessageBox::warning(this, tr("Cannot Save"),
            tr("The scenario could not be saved.\n%1").arg(QString::fromLocal8Bit(error.c_str())));
        return false;
    }
    addRecentFile(path);
    appSettings().setValue(QStringLiteral("scenario/lastDirectory"), QFileInfo(path).absolutePath());
    statusBar()->showMessage(tr("Saved %1").arg(QDir::toNativeSeparators(path)), 5000);
    return true;
}

bool MainWindow::findService(const QString& text)
{
    const QString wanted = text.trimmed();
    if (wanted.isEmpty()) return false;
    const QStringList ids = m_servicesDock->model()->ids();
    QString match;
    for (const QString& id : ids)
        if (id.compare(wanted, Qt::CaseInsensitive) == 0) match = id;
    if (match.isEmpty()) {
        const QStringList containing = ids.filter(wanted, Qt::CaseInsensitive);
        if (containing.size() == 1) {
            match = containing.first();
        } else if (containing.size() > 1) {
            statusBar()->showMessage(tr("%1 services contain “%2”: %3")
                                         .arg(containing.size())
                                         .arg(wanted, QStringList(containing.mid(0, 5)).join(QStringLiteral(", "))),
                6000);
            return false;
        }
    }
    if (match.isEmpty()) {
        statusBar()->showMessage(tr("No service matches “%1”").arg(wanted), 6000);
        return false;
    }
    selectNodeEverywhere(match);
    statusBar()->showMessage(tr("Found %1").arg(match), 3000);
    return true;
}

void MainWindow::selectNodeEverywhere(const QString& id)
{
    // focusNode emits nodeSelected, which reaches the inspector and the services dock. A node hidden on the
    // canvas (idle while idle nodes are hidden) is still selected, so the inspector shows it.
    if (!m_graph->focusNode(id)) {
        m_graph->setSelectedNode(id);
        emit m_graph->nodeSelected(id);
    }
}

QList<QStringList> MainWindow::shortcutRows() const
{
    QList<QStringList> rows;
    std::function<void(const QMenu*, const QString&)> walk = [&](const QMenu* menu, const QString& path) {
        for (QAction* action : menu->actions()) {
            const QString text = action->text().remove(QLatin1Char('&')).remove(QStringLiteral("…"));
            if (action->menu()) {
                walk(action->menu(), path + QStringLiteral(" › ") + text);
                continue;
            }
            if (action->isSeparator() || action->shortcuts().isEmpty()) continue;
            QStringList keys;
            for (const QKeySequence& key : action->shortcuts())
                keys << key.toString(QKeySequence::NativeText);
            rows << QStringList { path, text, keys.join(QStringLiteral(", ")) };
        }
    };
    for (QAction* top : menuBar()->actions())
        if (top->menu()) walk(top->menu(), top->text().remove(QLatin1Char('&')));
    return rows;
}

void MainWindow::showShortcuts()
{
    QDialog dialog(this);
    dialog.setObjectName(QStringLiteral("shortcutsDialog"));
    dialog.setWindowTitle(tr("Keyboard Shortcuts"));
    auto* layout = new QVBoxLayout(&dialog);
    const QList<QStringList> rows = shortcutRows();
    auto* table = new QTableWidget(static_cast<int>(rows.size()), 3, &dialog);
    table->setHorizontalHeaderLabels({ tr("Menu"), tr("Action"), tr("Shortcut") });
    for (int r = 0; r < rows.size(); ++r)
        for (int c = 0; c < 3; ++c)
            table->setItem(r, c, new QTableWidgetItem(rows[r][c]));
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->verticalHeader()->hide();
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->horizontalHeader()->setStretchLastSection(true);
    layout->addWidget(table);
    layout->addWidget(new QLabel(tr("On the canvas: wheel zooms, drag pans, double-click focuses a node, Esc ends "
                                    "the focus."),
        &dialog));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    layout->addWidget(buttons);
    dialog.resize(560, 520);
    dialog.exec();
}

} // namespace faultline
