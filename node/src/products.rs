//! The vaccine product master: data, not code. The shipped `data/products.toml` is
//! embedded; an operator's `DATA_DIR/products.toml` replaces it and is validated at start,
//! so a typo stops the node instead of refusing every dose later.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use vrs_protocol::CivilDate;

pub const FILE: &str = "products.toml";
const SHIPPED: &str = include_str!("../data/products.toml");

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub code: String,
    pub name_ja: String,
    pub maker: String,
    /// Empty when the product has no CVX code.
    pub cvx: String,
    pub approved_on: CivilDate,
    pub min_age_months: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age_months: Option<u32>,
    pub min_interval_days: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    product: Vec<Product>,
}

#[derive(Debug, Clone)]
pub struct ProductMaster {
    products: Vec<Product>,
    by_code: HashMap<String, usize>,
}

static ACTIVE: std::sync::OnceLock<ProductMaster> = std::sync::OnceLock::new();

/// Makes `master` the one code without an `AppState` (the residents import's matching
/// hook) sees. The first call wins: a node process serves one data dir.
pub fn install(master: ProductMaster) {
    let _ = ACTIVE.set(master);
}

/// The installed master, or the shipped one when none was installed (tools, tests).
pub fn active() -> &'static ProductMaster {
    ACTIVE.get_or_init(|| {
        // The shipped file is checked by a unit test; an empty master would refuse every dose.
        ProductMaster::shipped().unwrap_or(ProductMaster { products: Vec::new(), by_code: HashMap::new() })
    })
}

#[derive(Debug, thiserror::Error)]
pub enum ProductError {
    #[error("cannot read {0}: {1}")]
    Read(String, String),
    #[error("product master {0}: {1}")]
    Invalid(String, String),
}

impl ProductMaster {
    /// The operator's file if present, else the shipped master.
    pub fn load(data_dir: &Path) -> Result<Self, ProductError> {
        let path = data_dir.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Self::shipped(),
            Err(e) => Err(ProductError::Read(path.display().to_string(), e.to_string())),
        }
    }

    pub fn shipped() -> Result<Self, ProductError> {
        Self::parse(SHIPPED, "shipped products.toml")
    }

    pub fn parse(text: &str, source: &str) -> Result<Self, ProductError> {
        let bad = |msg: String| ProductError::Invalid(source.to_owned(), msg);
        let file: File = toml::from_str(text).map_err(|e| bad(e.message().to_owned()))?;
        if file.product.is_empty() {
            return Err(bad("lists no product".into()));
        }
        let mut by_code = HashMap::new();
        for (i, p) in file.product.iter().enumerate() {
            let code_ok = !p.code.is_empty()
                && p.code.len() <= 40
                && p.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !code_ok {
                return Err(bad(format!("product {}: code must be 1-40 of a-z, 0-9, _", i + 1)));
            }
            if p.name_ja.trim().is_empty() || p.maker.trim().is_empty() {
                return Err(bad(format!("product {}: name_ja and maker are required", p.code)));
            }
            if !p.cvx.bytes().all(|b| b.is_ascii_digit()) || p.cvx.len() > 3 {
                return Err(bad(format!("product {}: cvx must be up to 3 digits or empty", p.code)));
            }
            if p.max_age_months.is_some_and(|max| max < p.min_age_months) {
                return Err(bad(format!("product {}: max_age_months is below min_age_months", p.code)));
            }
            if by_code.insert(p.code.clone(), i).is_some() {
                return Err(bad(format!("product code {} appears twice", p.code)));
            }
        }
        Ok(ProductMaster { products: file.product, by_code })
    }

    pub fn get(&self, code: &str) -> Option<&Product> {
        self.by_code.get(code).map(|&i| &self.products[i])
    }

    pub fn all(&self) -> &[Product] {
        &self.products
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_master_has_the_products_interface_md_names() {
        let m = ProductMaster::shipped().unwrap();
        for (code, maker, cvx) in [
            ("comirnaty", "ファイザー", "208"),
            ("spikevax", "武田/モデルナ", "207"),
            ("vaxzevria", "アストラゼネカ", "210"),
            ("nuvaxovid", "武田社(ノババックス)", "211"),
        ] {
            let p = m.get(code).unwrap();
            assert_eq!((p.maker.as_str(), p.cvx.as_str()), (maker, cvx), "{code}");
        }
        assert!(m.get("comirnaty_5_11").unwrap().max_age_months.is_some());
        assert!(m.get("Comirnaty").is_none());
    }

    #[test]
    fn an_operator_file_replaces_the_master_and_bad_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let one = "[[product]]\ncode = \"local_x\"\nname_ja = \"試験\"\nmaker = \"某社\"\ncvx = \"\"\n\
                   approved_on = \"2021-03-01\"\nmin_age_months = 0\nmin_interval_days = 14\n";
        std::fs::write(dir.path().join(FILE), one).unwrap();
        let m = ProductMaster::load(dir.path()).unwrap();
        assert_eq!(m.all().len(), 1);
        assert!(m.get("comirnaty").is_none());
        for (bad, says) in [
            (one.replace("local_x", "Local X"), "code must be"),
            (one.replace("2021-03-01", "2021-02-30"), "calendar"),
            (format!("{one}{one}"), "twice"),
            (one.replace("cvx = \"\"", "cvx = \"20x\""), "cvx"),
            (one.replace("min_interval_days", "min_interval"), "unknown field"),
            ("product = []".into(), "no product"),
        ] {
            std::fs::write(dir.path().join(FILE), &bad).unwrap();
            let err = ProductMaster::load(dir.path()).unwrap_err().to_string();
            assert!(err.contains(says), "{err} should say {says}");
        }
    }
}
