//! The presets of the Lessons menu: the scenarios in `configs/` and one setup of each
//! seed-text experiment (`web/lessons/eNN_*.ron`), each with its lesson for students
//! (`web/lessons/<name>.md`). All are compiled in, so the page works offline.

/// A preset and its lesson.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct Preset {
    /// Identifier (the scenario's file stem).
    pub name: &'static str,
    /// Where the scenario lives in the repository (also the origin in messages).
    pub path: &'static str,
    /// The scenario text.
    #[serde(skip)]
    pub ron: &'static str,
    /// The lesson, in Markdown.
    #[serde(skip)]
    pub lesson: &'static str,
}

/// Every preset, in menu order.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "default",
        path: "configs/default.ron",
        ron: include_str!("../../../configs/default.ron"),
        lesson: include_str!("../../lessons/default.md"),
    },
    Preset {
        name: "hegemon_exit",
        path: "configs/hegemon_exit.ron",
        ron: include_str!("../../../configs/hegemon_exit.ron"),
        lesson: include_str!("../../lessons/hegemon_exit.md"),
    },
    Preset {
        name: "no_multilateral",
        path: "configs/no_multilateral.ron",
        ron: include_str!("../../../configs/no_multilateral.ron"),
        lesson: include_str!("../../lessons/no_multilateral.md"),
    },
    Preset {
        name: "open_regionalism",
        path: "configs/open_regionalism.ron",
        ron: include_str!("../../../configs/open_regionalism.ron"),
        lesson: include_str!("../../lessons/open_regionalism.md"),
    },
    Preset {
        name: "walled_customs_unions",
        path: "configs/walled_customs_unions.ron",
        ron: include_str!("../../../configs/walled_customs_unions.ron"),
        lesson: include_str!("../../lessons/walled_customs_unions.md"),
    },
    Preset {
        name: "world2025",
        path: "configs/world2025.ron",
        ron: include_str!("../../../configs/world2025.ron"),
        lesson: include_str!("../../lessons/world2025.md"),
    },
    Preset {
        name: "e01_gridlock",
        path: "web/lessons/e01_gridlock.ron",
        ron: include_str!("../../lessons/e01_gridlock.ron"),
        lesson: include_str!("../../lessons/e01_gridlock.md"),
    },
    Preset {
        name: "e02_stumbling_blocks",
        path: "web/lessons/e02_stumbling_blocks.ron",
        ron: include_str!("../../lessons/e02_stumbling_blocks.ron"),
        lesson: include_str!("../../lessons/e02_stumbling_blocks.md"),
    },
    Preset {
        name: "e03_open_regionalism",
        path: "web/lessons/e03_open_regionalism.ron",
        ron: include_str!("../../lessons/e03_open_regionalism.ron"),
        lesson: include_str!("../../lessons/e03_open_regionalism.md"),
    },
    Preset {
        name: "e04_krugman_walls",
        path: "web/lessons/e04_krugman_walls.ron",
        ron: include_str!("../../lessons/e04_krugman_walls.ron"),
        lesson: include_str!("../../lessons/e04_krugman_walls.md"),
    },
    Preset {
        name: "e05_critical_mass",
        path: "web/lessons/e05_critical_mass.ron",
        ron: include_str!("../../lessons/e05_critical_mass.ron"),
        lesson: include_str!("../../lessons/e05_critical_mass.md"),
    },
    Preset {
        name: "e06_hegemon_exit",
        path: "web/lessons/e06_hegemon_exit.ron",
        ron: include_str!("../../lessons/e06_hegemon_exit.ron"),
        lesson: include_str!("../../lessons/e06_hegemon_exit.md"),
    },
    Preset {
        name: "e07_bridges",
        path: "web/lessons/e07_bridges.ron",
        ron: include_str!("../../lessons/e07_bridges.ron"),
        lesson: include_str!("../../lessons/e07_bridges.md"),
    },
    Preset {
        name: "e08_spaghetti_bowl",
        path: "web/lessons/e08_spaghetti_bowl.ron",
        ron: include_str!("../../lessons/e08_spaghetti_bowl.ron"),
        lesson: include_str!("../../lessons/e08_spaghetti_bowl.md"),
    },
    Preset {
        name: "e09_public_goods",
        path: "web/lessons/e09_public_goods.ron",
        ron: include_str!("../../lessons/e09_public_goods.ron"),
        lesson: include_str!("../../lessons/e09_public_goods.md"),
    },
    Preset {
        name: "e10_domino",
        path: "web/lessons/e10_domino.ron",
        ron: include_str!("../../lessons/e10_domino.ron"),
        lesson: include_str!("../../lessons/e10_domino.md"),
    },
];

/// The preset called `name`.
pub fn find(name: &str) -> Option<&'static Preset> {
    PRESETS.iter().find(|p| p.name == name)
}
