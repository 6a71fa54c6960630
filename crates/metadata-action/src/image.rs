//! The `images` input: image names (one per line, or comma-separated on a single line) or
//! `name=...,enable=true|false` entries. Names are lower-cased when tags are generated.

use super::TagError;
use super::input;

/// One image base name and whether tags are generated for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Image {
    pub name: String,
    pub enable: bool,
}

/// Parses the `images` entries as the action does.
pub(crate) fn parse(entries: &[String]) -> Result<Vec<Image>, TagError> {
    // Backward compatibility: a single entry whose fields carry no `=` is a list of names.
    if let [only] = entries {
        let fields = input::fields(only)?.ok_or_else(|| TagError::new("s is not iterable"))?;
        let names: Vec<Image> = fields
            .iter()
            .map(|f| f.split('=').map(super::js::trim).collect::<Vec<_>>())
            .take_while(|parts| parts.len() == 1)
            .map(|parts| Image {
                name: parts[0].to_string(),
                enable: true,
            })
            .collect();
        if names.len() == fields.len() {
            return Ok(names);
        }
    }
    let mut images = Vec::with_capacity(entries.len());
    for entry in entries {
        let mut image = Image {
            name: String::new(),
            enable: true,
        };
        let fields = input::fields(entry)?.ok_or_else(|| TagError::new("n is not iterable"))?;
        for field in &fields {
            let parts: Vec<&str> = field.split('=').map(super::js::trim).collect();
            match parts[..] {
                [name] => image.name = name.to_string(),
                [key, value, ..] => match key.to_lowercase().as_str() {
                    "name" => image.name = value.to_string(),
                    "enable" => {
                        image.enable = match value {
                            "true" => true,
                            "false" => false,
                            _ => {
                                return Err(TagError::new(format!(
                                    "Invalid enable attribute value: {entry}"
                                )));
                            }
                        }
                    }
                    _ => return Err(TagError::new(format!("Unknown image attribute: {entry}"))),
                },
                [] => {}
            }
        }
        if image.name.is_empty() {
            return Err(TagError::new(format!(
                "Image name attribute empty: {entry}"
            )));
        }
        images.push(image);
    }
    Ok(images)
}

/// The lower-cased names of the enabled images, in input order.
pub(crate) fn enabled_names(images: &[Image]) -> Vec<String> {
    images
        .iter()
        .filter(|i| i.enable)
        .map(|i| i.name.to_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(entries: &[&str]) -> Result<Vec<String>, String> {
        let entries: Vec<String> = entries.iter().map(|s| s.to_string()).collect();
        parse(&entries)
            .map(|i| enabled_names(&i))
            .map_err(|e| e.message)
    }

    #[test]
    fn single_line_may_list_several_images() {
        assert_eq!(
            names(&["ghcr.io/A/b,docker.io/a/b"]).unwrap(),
            ["ghcr.io/a/b", "docker.io/a/b"]
        );
    }

    #[test]
    fn extended_entries_can_disable_an_image() {
        assert_eq!(
            names(&["name=ghcr.io/a/b", "name=docker.io/a/b,enable=false"]).unwrap(),
            ["ghcr.io/a/b"]
        );
        assert_eq!(names(&["name=x=y"]).unwrap(), ["x"]);
    }

    #[test]
    fn image_errors_use_the_actions_messages() {
        assert_eq!(
            names(&["name=a,enable=yes"]).unwrap_err(),
            "Invalid enable attribute value: name=a,enable=yes"
        );
        assert_eq!(
            names(&["name=a,foo=b"]).unwrap_err(),
            "Unknown image attribute: name=a,foo=b"
        );
        assert_eq!(
            names(&["enable=true"]).unwrap_err(),
            "Image name attribute empty: enable=true"
        );
    }
}
